// A line-per-record file that survives being killed mid-write (generations.jsonl, the stage caches of
// multi-stage methods): records are appended one write() each and fsynced every N appends, and a
// reopen keeps the complete lines and cuts off a torn last one — the only damage a kill can do to an
// append. One implementation, so both files repair and report a full disk the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace dep {

// Calls `fn(line, line_number)` for each complete ('\n'-terminated), non-empty line of `text` from
// byte `offset` on; line numbers count from `first_line_number`. Returns the length of the intact
// prefix: text.size(), or where a torn last line begins.
size_t for_each_complete_line(std::string_view text, size_t offset, size_t first_line_number,
                              const std::function<void(const std::string& line, size_t line_number)>& fn);

// Cuts `path` back to its first `intact` bytes when `size` is larger, with a warning: the torn
// line of an interrupted append.
void drop_torn_tail(const std::string& path, size_t intact, size_t size);

class AppendOnlyFile {
 public:
  // Nothing is opened yet: the file is created by the first append, so a run that fails earlier
  // leaves no empty file behind.
  AppendOnlyFile(std::string path, int64_t fsync_every);
  ~AppendOnlyFile();  // fsyncs and closes
  AppendOnlyFile(const AppendOnlyFile&) = delete;
  AppendOnlyFile& operator=(const AppendOnlyFile&) = delete;

  // One write() of `line` (which ends with '\n'); fsync every `fsync_every` appends. A failed
  // write (a full disk) is a dep::Error naming the path and the reason.
  void append(std::string_view line);
  void sync();
  // Syncs and closes; a later append reopens.
  void close();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int64_t fsync_every_;
  int64_t unsynced_ = 0;
  int fd_ = -1;
};

}  // namespace dep
