#include "cli/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

std::string system_message() { return std::strerror(errno); }

// Same directory as the target, so the rename stays within one file system (atomic).
std::string temporary_path(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

}  // namespace

void write_file_atomically(const std::string& path,
                           const std::function<void(std::ostream&)>& write) {
  const std::string temporary = temporary_path(path);
  try {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw runtime_failure("cannot write '" + path + "': cannot create '" + temporary +
                            "': " + system_message());
    }
    write(out);
    out.flush();
    if (!out) throw runtime_failure("cannot write '" + path + "': " + system_message());
    out.close();
    if (!out)
      throw runtime_failure("cannot write '" + path + "': closing failed: " + system_message());
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      throw runtime_failure("cannot write '" + path + "': renaming '" + temporary +
                            "' onto it failed: " + system_message());
    }
  } catch (...) {
    std::remove(temporary.c_str());
    throw;
  }
}

staged_files::~staged_files() {
  for (const auto& [temporary, path] : pending_) std::remove(temporary.c_str());
}

std::string staged_files::stage(const std::string& path) {
  pending_.emplace_back(temporary_path(path), path);
  return pending_.back().first;
}

void staged_files::write(const std::string& path, const std::string& text) {
  const std::string temporary = stage(path);
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw runtime_failure("cannot write '" + path + "': cannot create '" + temporary +
                          "': " + system_message());
  }
  out << text;
  out.close();
  if (!out) throw runtime_failure("cannot write '" + path + "': " + system_message());
}

void staged_files::commit() {
  for (const auto& [temporary, path] : pending_) {
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      throw runtime_failure("cannot rename '" + temporary + "' to '" + path +
                            "': " + system_message());
    }
  }
  pending_.clear();
}

}  // namespace ismc::cli
