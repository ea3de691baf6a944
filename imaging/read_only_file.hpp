#pragma once
// A read-only file descriptor read with pread(), which keeps no shared offset: one open file
// can serve reads from several threads, and nothing about it changes after open.

#include <filesystem>
#include <string>
#include <vector>

namespace tessera {

class ReadOnlyFile {
 public:
  explicit ReadOnlyFile(const std::filesystem::path& path);
  ~ReadOnlyFile();
  ReadOnlyFile(const ReadOnlyFile&) = delete;
  ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;

  bool ok() const noexcept { return fd_ >= 0; }
  // Why the open failed (strerror text), for logs.
  std::string open_error() const;
  bool regular() const noexcept { return regular_; }
  std::uint64_t size() const noexcept { return size_; }  // 0 unless a regular file

  // Exactly n bytes at offset, or false.
  bool read_exact(void* buffer, std::size_t n, std::uint64_t offset) const;
  // Appends up to n bytes read at offset out.size() (fewer at the end of the file). Returns 0 or
  // an errno value.
  int read_more(std::vector<unsigned char>& out, std::size_t n) const;

 private:
  int fd_ = -1;
  int open_errno_ = 0;
  bool regular_ = false;
  std::uint64_t size_ = 0;
};

}  // namespace tessera
