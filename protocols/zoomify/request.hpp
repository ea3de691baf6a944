#pragma once
// Zoomify URLs and level geometry, with no I/O: parse() splits the path after "/zoomify/" into
// a request, Grid computes Zoomify's levels, tile groups and the full-resolution region of a tile.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/error.hpp"
#include "imaging/geometry.hpp"

namespace tessera::zoomify {

// Zoomify's tile size is fixed by the format (viewers assume it), whatever the file stores.
constexpr std::int64_t tile_size = 256;
// Tiles per TileGroup folder.
constexpr std::int64_t group_size = 256;

struct ParsedRequest {
  enum class Kind { properties, tile } kind = Kind::properties;
  std::string identifier;  // decoded
  std::int64_t group = 0;  // tile only: the TileGroup number as requested
  std::int64_t z = 0, x = 0, y = 0;
};

// `path` is still percent-encoded: "{identifier}/ImageProperties.xml" or
// "{identifier}/TileGroup{g}/{z}-{x}-{y}.jpg". Malformed paths are 400s.
Result<ParsedRequest> parse(std::string_view path);

struct Level {
  std::int64_t width = 0, height = 0;
  std::int64_t columns = 0, rows = 0;
  std::int64_t first_index = 0;  // tiles in all smaller levels
};

// One tile: the full-resolution region it shows and its size in pixels.
struct TileView {
  Rect region;
  std::int64_t width = 0, height = 0;
};

class Grid {
 public:
  // The image's full size (both at least 1).
  Grid(std::int64_t width, std::int64_t height);

  // z = 0 is the smallest level (the first to fit one tile), the last is the full size.
  std::int64_t levels() const noexcept { return static_cast<std::int64_t>(levels_.size()); }
  const Level& level(std::int64_t z) const { return levels_[static_cast<std::size_t>(z)]; }
  std::int64_t num_tiles() const noexcept;

  // Whether tile (z, x, y) exists.
  bool contains(std::int64_t z, std::int64_t x, std::int64_t y) const noexcept;
  // The TileGroup that holds an existing tile.
  std::int64_t group(std::int64_t z, std::int64_t x, std::int64_t y) const;
  // An existing tile's region and size. Level z is the full size divided by s = 2^(top - z),
  // rounded down, so the last column and row also take the remainder the rounding dropped:
  // adjacent tiles meet exactly and the last ones end at the image's edge.
  TileView tile(std::int64_t z, std::int64_t x, std::int64_t y) const;

  // The ImageProperties.xml body, exactly as iipsrv sends it (apart from NUMTILES: all levels).
  std::string properties() const;

 private:
  std::int64_t width_, height_;
  std::vector<Level> levels_;
};

}  // namespace tessera::zoomify
