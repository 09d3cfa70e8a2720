#include "cli/output_paths.hpp"

#include <filesystem>
#include <system_error>

#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

namespace fs = std::filesystem;

// The absolute path with every existing prefix resolved (links, `.`, `..`).
fs::path resolved(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  if (error) return fs::path(path).lexically_normal();
  fs::path canonical = fs::weakly_canonical(absolute, error);
  return error ? absolute.lexically_normal() : canonical;
}

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (fs::exists(a, error) && fs::exists(b, error)) {
    const bool equivalent = fs::equivalent(a, b, error);
    if (!error) return equivalent;
  }
  return resolved(a) == resolved(b);
}

void check_distinct_files(const std::vector<named_path>& inputs,
                          const std::vector<named_path>& outputs) {
  for (std::size_t o = 0; o < outputs.size(); ++o) {
    const named_path& output = outputs[o];
    if (output.path.empty()) continue;
    for (const named_path& input : inputs) {
      if (input.path.empty() || !same_file(output.path, input.path)) continue;
      throw usage_error(bad_value(output.name, "'" + output.path + "'",
                                  "a file other than the " + input.name + " '" + input.path +
                                      "', which it would overwrite"));
    }
    for (std::size_t e = 0; e < o; ++e) {
      const named_path& earlier = outputs[e];
      if (earlier.path.empty() || !same_file(output.path, earlier.path)) continue;
      throw usage_error(bad_value(output.name, "'" + output.path + "'",
                                  "a file other than " + earlier.name + " '" + earlier.path + "'"));
    }
  }
}

}  // namespace ismc::cli
