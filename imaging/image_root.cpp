#include "imaging/image_root.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace tessera {
namespace {

Error not_found() {
  return make_error(Errc::not_found, "image not found");
}

// Rejects identifiers that are not plain relative paths before touching the filesystem.
bool well_formed(std::string_view id) {
  if (id.empty() || id.size() > 4096) return false;
  if (id.front() == '/') return false;
  if (id.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= id.size()) {
    std::size_t end = id.find('/', start);
    if (end == std::string_view::npos) end = id.size();
    const std::string_view part = id.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

ImageRoot::ImageRoot(const std::filesystem::path& root, std::vector<std::string> suffixes)
    : suffixes_(std::move(suffixes)) {
  for (const auto& s : suffixes_)
    if (s.empty() || s.find('/') != std::string::npos)
      throw std::runtime_error("a file name suffix must be non-empty and contain no '/'");
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  if (ec || !std::filesystem::is_directory(canonical, ec))
    throw std::runtime_error("image root is not an existing directory: " + root.string());
  root_ = canonical;
}

Result<ResolvedFile> ImageRoot::resolve(std::string_view identifier) const {
  auto exact = resolve_exact(identifier);
  if (exact || suffixes_.empty()) return exact;
  for (const std::string& suffix : suffixes_)
    if (auto file = resolve_exact(std::string(identifier) + suffix)) return file;
  return exact;
}

Result<ResolvedFile> ImageRoot::resolve_exact(std::string_view identifier) const {
  if (!well_formed(identifier)) return not_found();

  const std::string joined = root_.string() + "/" + std::string(identifier);
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(joined.c_str(), nullptr), &std::free);
  if (!real) return not_found();

  // The real path must be strictly below the root: symlinks may point anywhere inside it.
  const std::string_view real_path(real.get());
  const std::string& root = root_.native();
  const bool inside = root == "/"
                          ? real_path.size() > 1
                          : real_path.size() > root.size() + 1 && real_path.starts_with(root) &&
                                real_path[root.size()] == '/';
  if (!inside) return not_found();

  struct stat st {};
  if (::stat(real.get(), &st) != 0 || !S_ISREG(st.st_mode)) return not_found();

  ResolvedFile out;
  out.path = std::filesystem::path(std::string(real_path));
  out.stamp.device = static_cast<std::uint64_t>(st.st_dev);
  out.stamp.inode = static_cast<std::uint64_t>(st.st_ino);
  out.stamp.size = static_cast<std::int64_t>(st.st_size);
  out.stamp.mtime_ns =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  return out;
}

}  // namespace tessera
