// Append-only line files with torn-tail repair (append_only_file.h).
#include "dep/core/append_only_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dep/core/atomic_file.h"
#include "dep/core/error.h"
#include "dep/core/log.h"
#include "dep/core/output_path.h"

namespace dep {

size_t for_each_complete_line(std::string_view text, size_t offset, size_t first_line_number,
                              const std::function<void(const std::string& line, size_t line_number)>& fn) {
  size_t pos = offset, line_number = first_line_number;
  while (pos < text.size()) {
    const size_t newline = text.find('\n', pos);
    if (newline == std::string_view::npos) break;  // torn tail: the kill came mid-write
    if (newline > pos) fn(std::string(text.substr(pos, newline - pos)), line_number);
    ++line_number;
    pos = newline + 1;
  }
  return pos;
}

void drop_torn_tail(const std::string& path, size_t intact, size_t size) {
  if (intact >= size) return;
  log::warn(path + ": dropping a torn last line (" + std::to_string(size - intact) +
            " bytes) left by an interrupted run");
  if (::truncate(path.c_str(), static_cast<off_t>(intact)) != 0) {
    fail(path, "cannot cut off the torn last line: " + write_error_text(errno));
  }
}

AppendOnlyFile::AppendOnlyFile(std::string path, int64_t fsync_every)
    : path_(std::move(path)), fsync_every_(std::max<int64_t>(1, fsync_every)) {}

AppendOnlyFile::~AppendOnlyFile() {
  if (fd_ >= 0) {
    ::fsync(fd_);
    ::close(fd_);
  }
}

void AppendOnlyFile::append(std::string_view line) {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(path_, std::string("cannot open for writing: ") + std::strerror(errno));
    sync_parent_directory(path_);
  }
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path_, "write failed: " + write_error_text(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (++unsynced_ >= fsync_every_) sync();
}

void AppendOnlyFile::sync() {
  if (fd_ >= 0 && unsynced_ > 0 && ::fsync(fd_) != 0) fail(path_, "fsync failed: " + write_error_text(errno));
  unsynced_ = 0;
}

void AppendOnlyFile::close() {
  sync();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace dep
