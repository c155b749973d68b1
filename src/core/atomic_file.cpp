// POSIX implementation of atomic file replacement.
//   - An output path that is a symlink is written through: the temp file goes beside the link's
//     final target and replaces it, so the link keeps pointing at fresh data.
//   - A path naming a device, FIFO, socket or directory is refused (bad input), never replaced.
//   - "-" writes to stdout (for tools that write one stream).
//   - A failed write (a full disk: "no space left on device", exit 2 naming the path) removes the
//     temp file at once.
// The writer keeps its original members: the target is the temp path minus its ".tmp.<pid>"
// suffix, "-" is stdout, and a cleared temp path marks a committed (or abandoned) writer.
#include "dep/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dep/core/error.h"
#include "dep/core/output_path.h"

namespace dep {
namespace {

namespace fs = std::filesystem;

// Test hook for disk-full paths where no small filesystem can be mounted: with
// DEP_TEST_WRITE_LIMIT=N set, the atomic writer fails with ENOSPC once a process has written N
// bytes through it. Only tests set it.
bool over_test_write_limit(size_t size) {
  static const char* limit_text = std::getenv("DEP_TEST_WRITE_LIMIT");
  if (limit_text == nullptr) return false;
  static size_t written = 0;
  static const size_t limit = std::strtoull(limit_text, nullptr, 10);
  if (written + size > limit) return true;
  written += size;
  return false;
}

}  // namespace

std::string write_error_text(int error) {
  if (error == ENOSPC) return "no space left on device";
  if (error == EDQUOT) return "disk quota exceeded";
  return std::strerror(error);
}

std::string atomic_write_target(const std::string& path) {
  fs::path target = path;
  // Follow a chain of symlinks (bounded: a loop is an error) to the file the data belongs in.
  for (int hops = 0;; ++hops) {
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) break;  // nothing there yet: a new file
    if (S_ISLNK(st.st_mode)) {
      if (hops >= 40) fail(path, "too many levels of symbolic links");
      std::error_code ec;
      const fs::path next = fs::read_symlink(target, ec);
      if (ec) fail(path, "cannot read symbolic link: " + ec.message());
      target = next.is_absolute() ? next : target.parent_path() / next;
      continue;
    }
    if (S_ISDIR(st.st_mode)) fail(path, "is a directory, expected a file path");
    if (!S_ISREG(st.st_mode)) {
      fail(path, "is a device or other special file, not a regular file; refusing to replace it (use '-' for "
                 "stdout where the tool writes one stream)");
    }
    break;
  }
  return target.string();
}

namespace {

// "<target>.tmp.<pid>" -> "<target>".
std::string target_of(const std::string& temp_path) { return temp_path.substr(0, temp_path.rfind(".tmp.")); }

// Closes and removes the temp file of a failed write (so a full disk gets its space back before
// the error propagates), then throws naming the output path.
[[noreturn]] void abandon(int& fd, std::string& temp_path, const std::string& path, const std::string& what,
                          int error) {
  if (fd >= 0 && fd != STDOUT_FILENO) ::close(fd);
  fd = -1;
  if (!temp_path.empty()) ::unlink(temp_path.c_str());
  temp_path.clear();
  fail(path, what + ": " + write_error_text(error));
}

}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    fd_ = STDOUT_FILENO;
    return;
  }
  if (path_.empty()) fail("output", "empty output path");
  temp_path_ = atomic_write_target(path_) + ".tmp." + std::to_string(::getpid());
  fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int error = errno;
    const std::string temp = temp_path_;
    temp_path_.clear();  // nothing was created
    fail(path_, "cannot create temporary file " + temp + ": " + write_error_text(error));
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (path_ == "-") return;
  if (fd_ >= 0) ::close(fd_);
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t size) {
  if (fd_ < 0) fail_internal(path_, "write after commit or failure");
  if (over_test_write_limit(size)) abandon(fd_, temp_path_, path_, "write failed", ENOSPC);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      abandon(fd_, temp_path_, path_, "write failed", errno);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (fd_ < 0) fail_internal(path_, "commit after commit or failure");
  if (path_ == "-") {
    fd_ = -1;
    return;
  }
  if (::fsync(fd_) != 0) abandon(fd_, temp_path_, path_, "fsync failed", errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) abandon(fd_, temp_path_, path_, "close failed", errno);
  const std::string target = target_of(temp_path_);
  if (::rename(temp_path_.c_str(), target.c_str()) != 0) {
    abandon(fd_, temp_path_, path_, "rename from " + temp_path_ + " failed", errno);
  }
  temp_path_.clear();
  sync_parent_directory(target);
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter writer(path);
  writer.write(bytes);
  writer.commit();
}

void sync_parent_directory(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace dep
