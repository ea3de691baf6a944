#include "protocols/zoomify/request.hpp"

#include <algorithm>
#include <optional>

#include "protocols/identifier.hpp"

namespace tessera::zoomify {
namespace {

constexpr std::string_view properties_name = "ImageProperties.xml";
constexpr std::string_view group_prefix = "TileGroup";

// A non-negative decimal number of at most 9 digits (no sign, no spaces).
Error bad(std::string message) {
  return make_error(Errc::bad_request, "Zoomify: " + message);
}

}  // namespace

Result<ParsedRequest> parse(std::string_view path) {
  ParsedRequest r;
  const auto last = path.rfind('/');
  if (last == std::string_view::npos) return bad("expected {identifier}/ImageProperties.xml");
  const std::string_view file = path.substr(last + 1);

  if (file == properties_name) {
    auto id = decode_identifier(path.substr(0, last));
    if (!id) return id.error();
    r.kind = ParsedRequest::Kind::properties;
    r.identifier = std::move(id.value());
    return r;
  }

  // ".../TileGroup{g}/{z}-{x}-{y}.jpg"
  const std::string_view head = path.substr(0, last);
  const auto group_at = head.rfind('/');
  if (group_at == std::string_view::npos) return bad("expected {identifier}/TileGroup{g}/...");
  const std::string_view group = head.substr(group_at + 1);
  if (!group.starts_with(group_prefix)) return bad("expected TileGroup{g}");
  const auto g = parse_digits(group.substr(group_prefix.size()));
  if (!g) return bad("malformed TileGroup number");

  const auto dot = file.rfind('.');
  if (dot == std::string_view::npos) return bad("tile name must be {z}-{x}-{y}.jpg");
  if (file.substr(dot + 1) != "jpg") return bad("tiles are .jpg");
  const std::string_view stem = file.substr(0, dot);
  const auto d1 = stem.find('-');
  const auto d2 = d1 == std::string_view::npos ? d1 : stem.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return bad("tile name must be {z}-{x}-{y}.jpg");
  const auto z = parse_digits(stem.substr(0, d1));
  const auto x = parse_digits(stem.substr(d1 + 1, d2 - d1 - 1));
  const auto y = parse_digits(stem.substr(d2 + 1));
  if (!z || !x || !y) return bad("tile name must be {z}-{x}-{y}.jpg");

  auto id = decode_identifier(head.substr(0, group_at));
  if (!id) return id.error();
  r.kind = ParsedRequest::Kind::tile;
  r.identifier = std::move(id.value());
  r.group = *g;
  r.z = *z;
  r.x = *x;
  r.y = *y;
  return r;
}

Grid::Grid(std::int64_t width, std::int64_t height) : width_(width), height_(height) {
  // As Zoomify viewers compute it: halve, rounding down, until the level fits one tile.
  std::int64_t w = width, h = height;
  levels_.push_back(Level{w, h});
  while (w > tile_size || h > tile_size) {
    w /= 2;
    h /= 2;
    levels_.push_back(Level{w, h});
  }
  std::reverse(levels_.begin(), levels_.end());
  std::int64_t index = 0;
  for (Level& l : levels_) {
    l.columns = ceil_div(l.width, tile_size);
    l.rows = ceil_div(l.height, tile_size);
    l.first_index = index;
    index += l.columns * l.rows;
  }
}

std::int64_t Grid::num_tiles() const noexcept {
  const Level& top = levels_.back();
  return top.first_index + top.columns * top.rows;
}

bool Grid::contains(std::int64_t z, std::int64_t x, std::int64_t y) const noexcept {
  if (z < 0 || z >= levels()) return false;
  const Level& l = level(z);
  return x >= 0 && y >= 0 && x < l.columns && y < l.rows;
}

std::int64_t Grid::group(std::int64_t z, std::int64_t x, std::int64_t y) const {
  const Level& l = level(z);
  return (l.first_index + y * l.columns + x) / group_size;
}

TileView Grid::tile(std::int64_t z, std::int64_t x, std::int64_t y) const {
  const Level& l = level(z);
  const std::int64_t s = std::int64_t{1} << (levels() - 1 - z);
  const std::int64_t span = tile_size * s;  // full-resolution pixels per tile
  const std::int64_t x0 = x * span, y0 = y * span;
  const std::int64_t x1 = x + 1 == l.columns ? width_ : x0 + span;
  const std::int64_t y1 = y + 1 == l.rows ? height_ : y0 + span;
  TileView t;
  t.region = Rect{x0, y0, x1 - x0, y1 - y0};
  t.width = std::min(tile_size, l.width - x * tile_size);
  t.height = std::min(tile_size, l.height - y * tile_size);
  return t;
}

std::string Grid::properties() const {
  return "<IMAGE_PROPERTIES WIDTH=\"" + std::to_string(width_) + "\" HEIGHT=\"" +
         std::to_string(height_) + "\" NUMTILES=\"" + std::to_string(num_tiles()) +
         "\" NUMIMAGES=\"1\" VERSION=\"1.8\" TILESIZE=\"" + std::to_string(tile_size) + "\" />";
}

}  // namespace tessera::zoomify
