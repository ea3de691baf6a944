#include "imaging/read_only_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace tessera {

ReadOnlyFile::ReadOnlyFile(const std::filesystem::path& path)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), open_errno_(fd_ < 0 ? errno : 0) {
  struct stat st {};
  if (fd_ >= 0 && ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) {
    regular_ = true;
    size_ = static_cast<std::uint64_t>(st.st_size);
  }
}

ReadOnlyFile::~ReadOnlyFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ReadOnlyFile::open_error() const {
  return std::generic_category().message(open_errno_);
}

bool ReadOnlyFile::read_exact(void* buffer, std::size_t n, std::uint64_t offset) const {
  for (std::size_t done = 0; done < n;) {
    const ssize_t r = ::pread(fd_, static_cast<char*>(buffer) + done, n - done,
                              static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<std::size_t>(r);
  }
  return true;
}

int ReadOnlyFile::read_more(std::vector<unsigned char>& out, std::size_t n) const {
  const std::size_t start = out.size();
  out.resize(start + n);
  std::size_t got = 0;
  int error = 0;
  while (got < n) {
    const ssize_t r =
        ::pread(fd_, out.data() + start + got, n - got, static_cast<off_t>(start + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) error = errno;
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(start + got);
  return error;
}

}  // namespace tessera
