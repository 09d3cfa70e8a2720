#pragma once
/// @file test_fault.hpp
/// @brief The one test hook: faults that a test machine cannot produce for real (it runs as
/// root, so process limits and file permissions do not bind), injected through the
/// environment variable `ISMC_TEST_FAULT=KIND[:N]`. Without the variable nothing changes.
///
/// KIND is one of
/// - `thread_create`: starting a worker or chain thread fails as the system refuses one
///   (`std::system_error`, EAGAIN) after N threads have started;
/// - `write`: opening an output file (its temporary, or the writability probe done before
///   any work) fails with EACCES after N opens have succeeded;
/// - `rename`: renaming a temporary file onto its output fails with EIO after N renames;
/// - `disk_full`: every output file holds at most N bytes; writing more fails with ENOSPC;
/// - `kill_after_chunk`: a study directory's run kills itself (SIGKILL) when N chunks have
///   been logged by it, before the next one starts;
/// - `kill_in_transaction`: SIGKILL inside the log's transaction of the run's (N+1)th chunk,
///   its row written, before COMMIT;
/// - `kill_in_csv`: SIGKILL while the CSV is written from the log, after N chunks of it;
/// - `lock`: taking a study directory's lock fails with ENOLCK (a filesystem without working
///   locks) after N locks have been taken.
/// N defaults to 0.

#include <cstdint>
#include <optional>
#include <string>

namespace ismc {

/// The faults `ISMC_TEST_FAULT` can inject.
enum class test_fault {
  thread_create,
  write,
  rename,
  disk_full,
  kill_after_chunk,
  kill_in_transaction,
  kill_in_csv,
  lock
};

/// Whether `kind` strikes at this occasion (one thread start, one output open, one rename):
/// true when `ISMC_TEST_FAULT` names `kind` and its N earlier occasions have passed. Counts
/// the occasion. Thread-safe.
/// @throws usage_error naming `ISMC_TEST_FAULT`, its value and the accepted form when the
///         variable is set but malformed.
bool test_fault_strikes(test_fault kind);

/// For `disk_full`: the bytes an output file may hold (N), or nothing when that fault is not
/// set.
std::optional<std::uint64_t> test_fault_disk_limit();

/// The name of a fault as `ISMC_TEST_FAULT` spells it.
std::string to_string(test_fault kind);

}  // namespace ismc
