#include "cli/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>
#include <streambuf>
#include <system_error>
#include <vector>

#include "cli/interrupt.hpp"
#include "ismc/core/error.hpp"
#include "ismc/core/test_fault.hpp"

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
  namespace fs = std::filesystem;
  std::error_code error;
  fs::path current(path);
  // Followed by hand, so that a link to a file not yet there (a dangling link) is written
  // through too; 40 links at most, as the kernel allows.
  for (int hops = 0; hops < 40 && fs::is_symlink(current, error); ++hops) {
    const fs::path target = fs::read_symlink(current, error);
    if (error) return path;
    current = target.is_absolute() ? target : current.parent_path() / target;
  }
  return current.lexically_normal().string();
}

// Whether `path` exists and is not a regular file (a FIFO, a terminal, /dev/stdout): such
// a file cannot be replaced, only written.
bool is_special(const std::string& path) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  return !error && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status) &&
         !std::filesystem::is_directory(status);
}

// rename(2), or the fault ISMC_TEST_FAULT=rename injects (EIO).
int rename_file(const std::string& from, const std::string& to) {
  if (test_fault_strikes(test_fault::rename)) {
    errno = EIO;
    return -1;
  }
  return std::rename(from.c_str(), to.c_str());
}

// Nothing is renamed into place after a Ctrl-C: the run ends as interrupted, and the
// temporaries are removed by whoever owns them.
void check_interrupt() {
  if (interrupt_requested.load()) throw interrupted();
}

}  // namespace

// A put area of 64 KiB drained by write(2) directly, so that the first failing call's errno
// is kept (a stream's badbit alone loses it); under ISMC_TEST_FAULT=disk_full:N at most N
// bytes reach the file.
class output_file::buffer : public std::streambuf {
 public:
  buffer(int descriptor, std::optional<std::uint64_t> limit)
      : descriptor_(descriptor), limit_(limit), space_(1 << 16) {
    setp(space_.data(), space_.data() + space_.size());
  }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool drain() {
    if (error_ != 0) return false;
    const char* next = pbase();
    std::size_t left = static_cast<std::size_t>(pptr() - pbase());
    while (left > 0) {
      std::size_t chunk = left;
      if (limit_) {
        if (written_ >= *limit_) {
          error_ = ENOSPC;
          return false;
        }
        chunk = std::min<std::uint64_t>(chunk, *limit_ - written_);
      }
      const ssize_t done = ::write(descriptor_, next, chunk);
      if (done < 0) {
        if (errno == EINTR) continue;  // a Ctrl-C while writing: the flag decides later
        error_ = errno;
        return false;
      }
      next += done;
      left -= static_cast<std::size_t>(done);
      written_ += static_cast<std::uint64_t>(done);
    }
    setp(space_.data(), space_.data() + space_.size());
    return true;
  }

  int descriptor_;
  std::optional<std::uint64_t> limit_;
  std::vector<char> space_;
  std::uint64_t written_ = 0;
  int error_ = 0;
};

output_file::output_file(std::string name, std::string file, bool append)
    : name_(std::move(name)), file_(std::move(file)) {
  const int flags = O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_CREAT | O_TRUNC);
  if (test_fault_strikes(test_fault::write)) {
    errno = EACCES;
  } else {
    descriptor_ = ::open(file_.c_str(), flags, 0666);
  }
  if (descriptor_ < 0) {
    throw runtime_failure("cannot write '" + name_ + "': cannot " +
                          (append ? "open '" : "create '") + file_ + "': " + system_message());
  }
  buffer_ = std::make_unique<buffer>(descriptor_, test_fault_disk_limit());
  stream_ = std::make_unique<std::ostream>(buffer_.get());
}

output_file::~output_file() {
  if (descriptor_ >= 0) ::close(descriptor_);
}

std::ostream& output_file::stream() { return *stream_; }

void output_file::finish() {
  stream_->flush();
  int error = buffer_->error();
  if (error == 0 && !*stream_) error = EIO;  // a failure the buffer did not see
  // Data a file system accepted into its cache can still fail to reach the disk (a full
  // disk on NFS, a quota): fsync and close report it. Not for FIFOs and devices.
  struct stat info {};
  if (error == 0 && ::fstat(descriptor_, &info) == 0 && S_ISREG(info.st_mode) &&
      ::fsync(descriptor_) != 0) {
    error = errno;
  }
  const int descriptor = descriptor_;
  descriptor_ = -1;
  if (::close(descriptor) != 0 && error == 0) error = errno;
  if (error != 0) {
    const std::string where = file_ == name_ ? std::string() : " (writing '" + file_ + "')";
    throw runtime_failure("cannot write '" + name_ + "'" + where + ": " + std::strerror(error));
  }
}

void check_writable(const std::vector<std::pair<std::string, std::string>>& outputs) {
  for (const auto& [flag, name] : outputs) {
    if (name.empty()) continue;
    const bool stream = name.rfind("/dev/", 0) == 0;
    const std::string path = stream ? name : destination(name);
    std::string reason;
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) {
      reason = "it is a directory";
    } else if (stream || is_special(path)) {
      // Not opened: closing a FIFO's writing end would give its reader an early end of file.
      if (::access(path.c_str(), W_OK) != 0) reason = system_message();
    } else {
      const std::string temporary = temporary_path(path);
      int descriptor = -1;
      if (test_fault_strikes(test_fault::write)) {
        errno = EACCES;
      } else {
        descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      }
      if (descriptor < 0) {
        reason = system_message();
      } else {
        ::close(descriptor);
        ::unlink(temporary.c_str());
      }
    }
    if (!reason.empty()) {
      throw usage_error(flag + ": cannot write '" + name + "': " + reason +
                        " (checked before any work)");
    }
  }
}

void write_file_atomically(const std::string& name,
                           const std::function<void(std::ostream&)>& write) {
  // /dev/stdout and its kin (links into /proc/self/fd) name an open stream, not a file to
  // replace: appended to, so that what the program already printed there stays.
  const bool stream = name.rfind("/dev/", 0) == 0;
  const std::string path = stream ? name : destination(name);
  if (stream || is_special(path)) {
    output_file out(name, path, true);
    write(out.stream());
    out.finish();
    return;
  }
  const std::string temporary = temporary_path(path);
  try {
    output_file out(path, temporary);
    write(out.stream());
    out.finish();
    check_interrupt();
    if (rename_file(temporary, path) != 0) {
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
  if (path.rfind("/dev/", 0) == 0 || is_special(destination(path))) {
    direct_.emplace_back(path, text);  // cannot be staged: written once the rest is in place
    return;
  }
  output_file out(path, stage(path));
  out.stream() << text;
  out.finish();
}

void staged_files::commit() {
  // Each file that is already there keeps a hard link to its old content until every
  // rename has succeeded, so a failure can put it back.
  struct renamed {
    std::string path, backup;  // backup empty: there was no file before
  };
  check_interrupt();
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
    if (rename_file(temporary, path) != 0) {
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
  for (const auto& [path, text] : direct_) {
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
  }
  direct_.clear();
}

}  // namespace ismc::cli
