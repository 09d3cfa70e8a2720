#pragma once
/// @file atomic_file.hpp
/// @brief Files written atomically: a reader sees the old file or the whole new one, never
/// a part, and a failed or interrupted run leaves no file behind. One file
/// (`write_file_atomically`) or several that appear together or not at all (`staged_files`).

#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace ismc::cli {

/// Writes a file atomically: `write` fills a temporary file `path + ".tmp.<pid>"` in the
/// same directory, which is flushed, closed, checked and renamed onto `path`. A symbolic
/// link is written through (its target gets the new content, the link stays); a path that
/// exists and is not a regular file (a FIFO), or any path under /dev/ (/dev/stdout), is
/// appended to directly, since it cannot be replaced.
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

  /// Stages `path` with `text` as its content.
  /// @throws ismc::runtime_failure naming the temporary file when it cannot be written.
  void write(const std::string& path, const std::string& text);

  /// Renames every staged file onto its path, in the order staged. All or none: when a
  /// rename fails, the files already renamed are taken back (an earlier file of that name
  /// restored from a hard link kept until the end, a new one removed) before the error.
  /// @throws ismc::runtime_failure naming both paths and the reason when a rename fails.
  void commit();

 private:
  std::vector<std::pair<std::string, std::string>> pending_;  // (temporary, path)
};

}  // namespace ismc::cli
