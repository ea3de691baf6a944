#include "protocols/deepzoom/request.hpp"

#include <algorithm>
#include <optional>

#include "protocols/identifier.hpp"

namespace tessera::deepzoom {
namespace {

constexpr std::string_view descriptor_suffix = ".dzi";
constexpr std::string_view files_marker = "_files/";

Error bad(std::string message) {
  return make_error(Errc::bad_request, "DeepZoom: " + message);
}

// A size after `shift` halvings, rounding up (1 from 62 halvings on).
std::int64_t shrink(std::int64_t size, std::int64_t shift) {
  if (shift >= 62) return 1;
  return ceil_div(size, std::int64_t{1} << shift);
}

}  // namespace

Result<ParsedRequest> parse(std::string_view path) {
  ParsedRequest r;
  if (path.ends_with(descriptor_suffix)) {
    auto id = decode_identifier(path.substr(0, path.size() - descriptor_suffix.size()));
    if (!id) return id.error();
    r.kind = ParsedRequest::Kind::descriptor;
    r.identifier = std::move(id.value());
    return r;
  }
  const auto at = path.rfind(files_marker);
  if (at == std::string_view::npos) return bad("expected {identifier}.dzi or {identifier}_files/");
  const std::string_view rest = path.substr(at + files_marker.size());  // "{level}/{c}_{r}.ext"
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("tile path must be {level}/{col}_{row}.jpg");
  const std::string_view file = rest.substr(slash + 1);
  const auto dot = file.rfind('.');
  const auto under = file.find('_');
  if (dot == std::string_view::npos || under == std::string_view::npos || under > dot)
    return bad("tile path must be {level}/{col}_{row}.jpg");
  const auto level = parse_digits(rest.substr(0, slash));
  const auto col = parse_digits(file.substr(0, under));
  const auto row = parse_digits(file.substr(under + 1, dot - under - 1));
  if (!level || !col || !row) return bad("tile path must be {level}/{col}_{row}.jpg");
  const std::string_view ext = file.substr(dot + 1);
  if (ext != "jpg" && ext != "png") return bad("tiles are .jpg or .png");

  auto id = decode_identifier(path.substr(0, at));
  if (!id) return id.error();
  r.kind = ParsedRequest::Kind::tile;
  r.identifier = std::move(id.value());
  r.level = *level;
  r.column = *col;
  r.row = *row;
  r.format = std::string(ext);
  return r;
}

std::int64_t viewer_tile_size(const LevelInfo& full_level) {
  const std::int64_t w = full_level.tile_width, h = full_level.tile_height;
  return w == h && w >= 64 && w <= 1024 ? w : 256;
}

Pyramid::Pyramid(std::int64_t width, std::int64_t height, std::int64_t tile_size,
                 std::int64_t overlap)
    : width_(width), height_(height), tile_size_(tile_size), overlap_(overlap) {
  // The smallest m with 2^m >= max(width, height): ceil(log2), without floating point.
  const std::int64_t largest = std::max(width, height);
  while (max_level_ < 62 && (std::int64_t{1} << max_level_) < largest) ++max_level_;
}

std::int64_t Pyramid::level_width(std::int64_t level) const noexcept {
  return shrink(width_, max_level_ - level);
}

std::int64_t Pyramid::level_height(std::int64_t level) const noexcept {
  return shrink(height_, max_level_ - level);
}

std::int64_t Pyramid::columns(std::int64_t level) const noexcept {
  return ceil_div(level_width(level), tile_size_);
}

std::int64_t Pyramid::rows(std::int64_t level) const noexcept {
  return ceil_div(level_height(level), tile_size_);
}

bool Pyramid::contains(std::int64_t level, std::int64_t column, std::int64_t row) const noexcept {
  return level >= 0 && level <= max_level_ && column >= 0 && row >= 0 && column < columns(level) &&
         row < rows(level);
}

TileView Pyramid::tile(std::int64_t level, std::int64_t column, std::int64_t row) const {
  const std::int64_t shift = max_level_ - level;
  // [start, end) of tile `i` along an axis whose level size is `size` (OpenSeadragon's
  // getTileBounds: the first tile has overlap on its far side only).
  const auto span = [&](std::int64_t i, std::int64_t size) {
    const std::int64_t start = i * tile_size_ - (i > 0 ? overlap_ : 0);
    const std::int64_t end = std::min((i + 1) * tile_size_ + overlap_, size);
    return std::pair{start, end};
  };
  const auto to_full = [&](std::int64_t v, std::int64_t full) {
    // v <= ceil(full / 2^shift), so v * 2^shift < full + 2^shift does not overflow.
    return std::min(v << shift, full);
  };
  const auto [x0, x1] = span(column, level_width(level));
  const auto [y0, y1] = span(row, level_height(level));
  TileView t;
  const std::int64_t fx0 = to_full(x0, width_), fx1 = to_full(x1, width_);
  const std::int64_t fy0 = to_full(y0, height_), fy1 = to_full(y1, height_);
  t.region = Rect{fx0, fy0, fx1 - fx0, fy1 - fy0};
  t.width = x1 - x0;
  t.height = y1 - y0;
  return t;
}

std::string Pyramid::descriptor() const {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
         "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"\r\n"
         "TileSize=\"" +
         std::to_string(tile_size_) + "\" Overlap=\"" + std::to_string(overlap_) +
         "\" Format=\"jpg\"><Size Width=\"" + std::to_string(width_) + "\" Height=\"" +
         std::to_string(height_) + "\"/></Image>";
}

}  // namespace tessera::deepzoom
