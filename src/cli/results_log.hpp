#pragma once
/// @file results_log.hpp
/// @brief The append-only log of a study directory (`DIR/results.sqlite`): the resolved
/// study and its facts, the importance plan, and each finished chunk's rows, one SQLite
/// transaction per chunk.
///
/// The log is opened with `synchronous = FULL` and `journal_mode = TRUNCATE`: a committed
/// chunk is on the disk (and survives power loss), and the rollback journal is a plain
/// file beside the log, which works on network filesystems (NFS, Lustre) where WAL's
/// shared-memory index does not. A process killed inside a transaction leaves a hot
/// journal that the next open rolls back: the chunk is simply not there.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ismc/rates/rates.hpp"

struct sqlite3;

namespace ismc::cli {

/// One logged chunk: the targets [first, first + count) and their rows.
struct logged_chunk {
  std::uint64_t index = 0;  ///< chunk number c: targets [c × chunk_targets, …)
  std::uint64_t first = 0;
  std::uint64_t count = 0;
  bool has_exact = false;            ///< some row has an exact rate
  bool has_ess = false;              ///< some row has an ESS
  std::uint64_t without_spread = 0;  ///< importance: rows with the Chernoff-Hoeffding bound
  std::vector<rate_row> rows;        ///< filled by `read_chunk`
};

/// The log file of a study directory.
class results_log {
 public:
  /// Creates the log at `path` (which must not exist) with the `meta` facts, in one
  /// transaction.
  /// @throws ismc::runtime_failure naming the file and SQLite's reason.
  static results_log create(const std::string& path,
                            const std::map<std::string, std::string>& meta);

  /// Opens an existing log; `writable` false opens it read-only (checks that change
  /// nothing), except that a transaction left by a killed process after SQLite wrote part
  /// of it into the file is rolled back first (what any writer would do; the log then holds
  /// its last committed chunk). A file that is not a log (not SQLite, or without its
  /// tables) is refused.
  /// @throws ismc::input_error naming the file and what is wrong with it.
  static results_log open(const std::string& path, bool writable);

  results_log(results_log&& other) noexcept;
  results_log& operator=(results_log&& other) noexcept;
  results_log(const results_log&) = delete;
  results_log& operator=(const results_log&) = delete;
  ~results_log();

  /// The facts written at creation (study hash, version, method, …).
  const std::map<std::string, std::string>& meta() const { return meta_; }

  /// The fact `key`, or an input_error naming the log and the key when it is missing.
  const std::string& fact(const std::string& key) const;

  /// The importance plan as JSON text, when one was recorded.
  std::optional<std::string> plan() const;

  /// Records the importance plan (once), in its own transaction.
  void write_plan(const std::string& json);

  /// The chunks in the log (without rows), in chunk order.
  std::vector<logged_chunk> chunks() const;

  /// A chunk's rows decoded (`dim` coordinates each).
  std::vector<rate_row> read_rows(std::uint64_t index, std::size_t dim) const;

  /// Appends a chunk with its rows in one transaction (synchronous: on the disk when this
  /// returns). Under `ISMC_TEST_FAULT=kill_in_transaction:N` the process kills itself
  /// inside the transaction of its (N+1)th chunk, after the row is written, before COMMIT.
  void append(const logged_chunk& chunk);

  /// The file's path.
  const std::string& path() const { return path_; }

 private:
  results_log(std::string path, sqlite3* db);
  void load_meta();

  std::string path_;
  sqlite3* db_ = nullptr;
  std::map<std::string, std::string> meta_;
};

/// The rows packed as the log stores them (every double's bits kept).
std::string pack_rows(const std::vector<rate_row>& rows);

/// The rows of `pack_rows`, each with `dim` coordinates.
/// @throws ismc::runtime_failure when the bytes are not whole rows.
std::vector<rate_row> unpack_rows(const std::string& bytes, std::size_t dim);

}  // namespace ismc::cli
