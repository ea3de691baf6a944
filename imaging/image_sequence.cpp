#include "imaging/image_sequence.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <set>

namespace tessera {

struct SequenceFinder::Entry {
  std::int64_t directory_mtime_ns = 0;
  std::shared_ptr<const ImageSequence> sequence;  // null: no file of this stem
};

namespace {

constexpr std::size_t max_cached_stems = 4096;  // beyond this the cache starts over
constexpr std::size_t max_angle_digits = 6;

Error not_found() {
  return make_error(Errc::not_found, "image not found");
}

// "012" -> 12; nullopt unless 1..6 digits.
std::optional<int> parse_angle(std::string_view s) {
  if (s.empty() || s.size() > max_angle_digits) return std::nullopt;
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Only image files are views: a backup or note named like one ("x_pyr_000_090.bak", which
// sorts before ".tif") must neither take a view's place nor add a view (iipsrv globs one
// image extension).
bool image_extension(std::string_view ext) {
  std::string e(ext);
  for (char& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (std::string_view known : {"tif", "tiff", "ptif", "jp2", "jpx", "j2k", "jpg", "jpeg"})
    if (e == known) return true;
  return false;
}

// "{h}_{v}.{ext}" -> (h, v).
std::optional<std::pair<int, int>> parse_view(std::string_view rest) {
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos || !image_extension(rest.substr(dot + 1))) return std::nullopt;
  const std::string_view angles = rest.substr(0, dot);
  const auto sep = angles.find('_');
  if (sep == std::string_view::npos) return std::nullopt;
  auto h = parse_angle(angles.substr(0, sep));
  auto v = parse_angle(angles.substr(sep + 1));
  if (!h || !v) return std::nullopt;
  return std::pair{*h, *v};
}

// A relative directory path without "." or ".." parts ("" is the root itself).
bool plain_path(std::string_view dir) {
  while (!dir.empty()) {
    const auto slash = dir.find('/');
    const std::string_view part = dir.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    dir = slash == std::string_view::npos ? std::string_view{} : dir.substr(slash + 1);
  }
  return true;
}

std::optional<std::int64_t> mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::optional<std::string> ImageSequence::identifier(int horizontal, int vertical) const {
  const auto it = files.find({horizontal, vertical});
  if (it == files.end()) return std::nullopt;
  return it->second;
}

SequenceFinder::SequenceFinder(const ImageRoot& root, std::string pattern)
    : root_(root), pattern_(std::move(pattern)) {}

Result<std::shared_ptr<const ImageSequence>> SequenceFinder::find(std::string_view stem) const {
  if (stem.empty() || stem.back() == '/' || stem.front() == '/' || stem.size() > 4096 ||
      stem.find('\0') != std::string_view::npos)
    return make_error(Errc::bad_request, "not an image sequence name");
  const auto slash = stem.rfind('/');
  const std::string dir(slash == std::string_view::npos ? "" : stem.substr(0, slash));
  const std::string prefix =
      std::string(slash == std::string_view::npos ? stem : stem.substr(slash + 1)) + pattern_;
  if (!plain_path(dir)) return not_found();

  const std::string directory = root_.path().string() + (dir.empty() ? "" : "/" + dir);
  const auto mtime = mtime_ns(directory);
  if (!mtime) return not_found();
  const std::string key(stem);
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key);
        it != cache_.end() && it->second->directory_mtime_ns == *mtime) {
      if (!it->second->sequence) return not_found();
      return it->second->sequence;
    }
  }

  // Scan outside the lock; the names found are confined by ImageRoot like any identifier.
  auto sequence = std::make_shared<ImageSequence>();
  std::set<int> horizontal, vertical;
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    std::string name = entry.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(std::move(name));
  }
  std::ranges::sort(names);  // the first extension found for a view wins, deterministically
  for (const std::string& name : names) {
    const auto view = parse_view(std::string_view(name).substr(prefix.size()));
    if (!view || sequence->files.contains(*view)) continue;
    std::string id = dir.empty() ? name : dir + "/" + name;
    if (!root_.resolve(id)) continue;
    sequence->files.emplace(*view, std::move(id));
    horizontal.insert(view->first);
    vertical.insert(view->second);
  }
  sequence->horizontal_angles.assign(horizontal.begin(), horizontal.end());
  sequence->vertical_angles.assign(vertical.begin(), vertical.end());

  auto entry = std::make_shared<Entry>();
  entry->directory_mtime_ns = *mtime;
  if (!sequence->files.empty()) entry->sequence = std::move(sequence);
  {
    std::lock_guard lock(mutex_);
    if (cache_.size() >= max_cached_stems) cache_.clear();
    cache_[key] = entry;
  }
  if (!entry->sequence) return not_found();
  return entry->sequence;
}

}  // namespace tessera
