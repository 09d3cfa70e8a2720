#pragma once
// Before any work, a command refuses outputs that would destroy an input or each other:
// files are compared by identity (device and inode where both exist, the resolved absolute
// path otherwise), so `s.toml`, `./s.toml` and a link to it are one file.

#include <string>
#include <vector>

namespace ismc::cli {

/// A file a command reads or writes, with the flag or field that named it (`--out`,
/// `study`, `[data] samples`).
struct named_path {
  std::string name;
  std::string path;
};

/// Whether `a` and `b` name the same file (existing or to be created).
bool same_file(const std::string& a, const std::string& b);

/// Throws `usage_error` when an output names the same file as an input ("--out: got
/// 's.toml', expected a file other than the study file 's.toml', which it would
/// overwrite") or as an earlier output. Empty paths are skipped.
void check_distinct_files(const std::vector<named_path>& inputs,
                          const std::vector<named_path>& outputs);

}  // namespace ismc::cli
