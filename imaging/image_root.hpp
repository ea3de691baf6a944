#pragma once
// Confines identifiers to the image root. An identifier is a path relative to the root, already
// URL-decoded by the protocol. It resolves only to a regular file whose real path (symlinks
// followed) lies inside the root's real path; anything else is "not found", so a client learns
// nothing about the filesystem outside. An identifier that names no file may still name one
// with a configured suffix ("img" for "img.tif", iipsrv's FILESYSTEM_SUFFIX).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/error.hpp"

namespace tessera {

// What identifies one version of a file: a replaced or rewritten file gets a new stamp.
struct FileStamp {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;  // modification time, nanoseconds since the epoch

  std::int64_t mtime_seconds() const noexcept { return mtime_ns / 1'000'000'000; }
  friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

struct ResolvedFile {
  std::filesystem::path path;  // real path inside the root; never shown to clients
  FileStamp stamp;
};

class ImageRoot {
 public:
  // Throws std::runtime_error if the root is not an existing directory (a start-up error).
  explicit ImageRoot(const std::filesystem::path& root, std::vector<std::string> suffixes = {});

  Result<ResolvedFile> resolve(std::string_view identifier) const;
  const std::filesystem::path& path() const noexcept { return root_; }

 private:
  Result<ResolvedFile> resolve_exact(std::string_view identifier) const;

  std::filesystem::path root_;  // canonical, no trailing slash
  std::vector<std::string> suffixes_;
};

}  // namespace tessera
