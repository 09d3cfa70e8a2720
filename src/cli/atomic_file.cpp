#include "cli/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "ismc/core/error.hpp"

namespace ismc::cli {

namespace {

std::string system_message() { return std::strerror(errno); }

// Removes what a killed run (SIGKILL, a crash) left beside `path`: its temporary
// `path.tmp.<pid>` and commit backup `path.old.<pid>` files whose process is gone.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  fs::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  const std::string name = target.filename().string();
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(folder, error)) {
    const std::string entry_name = entry.path().filename().string();
    for (const std::string marker : {".tmp.", ".old."}) {
      const std::string prefix = name + marker;
      if (entry_name.size() <= prefix.size() || entry_name.compare(0, prefix.size(), prefix) != 0)
        continue;
      const std::string digits = entry_name.substr(prefix.size());
      if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9)
        continue;
      const pid_t pid = static_cast<pid_t>(std::stol(digits));
      if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) {
        fs::remove(entry.path(), error);
      }
    }
  }
}

// Same directory as the target, so the rename stays within one file system (atomic).
std::string temporary_path(const std::string& path) {
  remove_stale_temporaries(path);
  return path + ".tmp." + std::to_string(::getpid());
}

// Where a file named `path` is written: a symbolic link is followed to its target (the
// link stays a link, pointing at the new content).
std::string destination(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(path, error)) return path;
  const std::filesystem::path target = std::filesystem::weakly_canonical(path, error);
  return error ? path : target.string();
}

// Whether `path` exists and is not a regular file (a FIFO, a terminal, /dev/stdout): such
// a file cannot be replaced, only written.
bool is_special(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  return !error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
         !std::filesystem::is_directory(status);
}

}  // namespace

void write_file_atomically(const std::string& name,
                           const std::function<void(std::ostream&)>& write) {
  // /dev/stdout and its kin (links into /proc/self/fd) name an open stream, not a file to
  // replace: appended to, so that what the program already printed there stays.
  const bool stream = name.rfind("/dev/", 0) == 0;
  const std::string path = stream ? name : destination(name);
  if (stream || is_special(path)) {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    if (!out) throw runtime_failure("cannot write '" + name + "': " + system_message());
    write(out);
    out.flush();
    if (!out) throw runtime_failure("cannot write '" + name + "': " + system_message());
    return;
  }
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

std::string staged_files::stage(const std::string& name) {
  const std::string path = destination(name);
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
  // Each file that is already there keeps a hard link to its old content until every
  // rename has succeeded, so a failure can put it back.
  struct renamed {
    std::string path, backup;  // backup empty: there was no file before
  };
  std::vector<renamed> done;
  const auto undo = [&] {
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      if (it->backup.empty()) {
        std::remove(it->path.c_str());
      } else {
        std::rename(it->backup.c_str(), it->path.c_str());
      }
    }
  };
  for (const auto& [temporary, path] : pending_) {
    std::string backup = path + ".old." + std::to_string(::getpid());
    if (::link(path.c_str(), backup.c_str()) != 0) backup.clear();
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
      const std::string reason = system_message();
      if (!backup.empty()) std::remove(backup.c_str());
      undo();
      throw runtime_failure("cannot rename '" + temporary + "' to '" + path + "': " + reason +
                            "; the files already renamed were taken back");
    }
    done.push_back({path, std::move(backup)});
  }
  for (const renamed& file : done) {
    if (!file.backup.empty()) std::remove(file.backup.c_str());
  }
  pending_.clear();
}

}  // namespace ismc::cli
