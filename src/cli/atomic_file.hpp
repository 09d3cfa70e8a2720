#pragma once
/// @file atomic_file.hpp
/// @brief Files written atomically: a reader sees the old file or the whole new one, never
/// a part, and a failed or interrupted run leaves no file behind. One file
/// (`write_file_atomically`) or several that appear together or not at all (`staged_files`).

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ismc::cli {

/// An output file being written through its own descriptor, so that every failure is seen:
/// `write(2)` errors (a full disk: ENOSPC), `fsync` and `close`. Under
/// `ISMC_TEST_FAULT=write` opening fails; under `disk_full:N` at most N bytes go in.
class output_file {
 public:
  /// Opens `file` for the output named `name` (created and truncated; `append` for a FIFO
  /// or a /dev/ path, which is written where it is).
  /// @throws ismc::runtime_failure "cannot write 'NAME': cannot create 'FILE': REASON".
  output_file(std::string name, std::string file, bool append = false);
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  /// The stream to write to.
  std::ostream& stream();

  /// Flushes, syncs to the disk (regular files) and closes.
  /// @throws ismc::runtime_failure naming the output, the file and the OS reason ("No space
  ///         left on device") when any write, the sync or the close failed.
  void finish();

 private:
  class buffer;
  std::string name_, file_;
  int descriptor_ = -1;
  std::unique_ptr<buffer> buffer_;
  std::unique_ptr<std::ostream> stream_;
};

/// Before any work: checks that each output can be written where it goes, by creating and
/// removing its temporary file (a FIFO or a /dev/ path: opened as it will be). Empty paths
/// are skipped.
/// @throws ismc::usage_error naming the flag, the path and the OS reason ("--out: cannot
///         write 'out/r.csv': No such file or directory (checked before any work)").
void check_writable(const std::vector<std::pair<std::string, std::string>>& outputs);

/// Writes a file atomically: `write` fills a temporary file `path + ".tmp.<pid>"` in the
/// same directory, which is flushed, closed, checked and renamed onto `path`. A symbolic
/// link is written through (its target gets the new content, the link stays); a path that
/// exists and is not a regular file (a FIFO), or any path under /dev/ (/dev/stdout), is
/// appended to directly, since it cannot be replaced.
/// A Ctrl-C (SIGINT, SIGTERM) that came before the rename throws `ismc::interrupted` instead.
/// @throws ismc::runtime_failure naming `path` on any failure; the temporary file is
///         removed and `path` is left untouched. Exceptions from `write` propagate after
///         the same cleanup.
void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write);

/// Several files that appear together or not at all: each is written under a temporary
/// name (`path + ".tmp.<pid>"`, as write_file_atomically uses; a link's target's path for
/// a link) and `commit` renames them all onto their paths; whatever is not committed when the
/// object goes (an error, an interrupt) is removed.
class staged_files {
 public:
  staged_files() = default;
  staged_files(const staged_files&) = delete;
  staged_files& operator=(const staged_files&) = delete;
  ~staged_files();

  /// Registers `path` and returns the temporary path its content goes to.
  std::string stage(const std::string& path);

  /// Stages `path` with `text` as its content (through `output_file`). A FIFO or a /dev/
  /// path (/dev/stdout), which cannot be staged, is written directly after the renames.
  /// @throws ismc::runtime_failure naming the file, its temporary and the OS reason when it
  ///         cannot be written whole.
  void write(const std::string& path, const std::string& text);

  /// Renames every staged file onto its path, in the order staged; first throws
  /// `ismc::interrupted` (removing them all) if a Ctrl-C came. All or none: when a
  /// rename fails, the files already renamed are taken back (an earlier file of that name
  /// restored from a hard link kept until the end, a new one removed) before the error.
  /// @throws ismc::runtime_failure naming both paths and the reason when a rename fails.
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> pending_;  // (temporary, path)
  std::vector<std::pair<std::string, std::string>> direct_;   // (path, text)
};

}  // namespace ismc::cli
