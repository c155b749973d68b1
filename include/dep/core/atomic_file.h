// Outputs and checkpoints never exist half-written: write to a temp file beside the target,
// fsync, rename over the target, fsync the directory.
#pragma once

#include <string>
#include <string_view>

namespace dep {

void write_file_atomic(const std::string& path, std::string_view bytes);

// Streams into "<path>.tmp.<pid>" and renames on commit(); an uncommitted writer removes its
// temp file on destruction.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string temp_path_;
  int fd_ = -1;
};

std::string read_file(const std::string& path);

// fsyncs the directory holding `path` so a rename inside it is durable.
void sync_parent_directory(const std::string& path);

}  // namespace dep
