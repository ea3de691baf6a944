#pragma once
// DeepZoom URLs and level geometry, with no I/O: parse() splits the path after "/deepzoom/" into
// a request; Pyramid computes DeepZoom's levels and the full-resolution region of a tile as
// DeepZoom viewers (OpenSeadragon's DziTileSource) expect it.

#include <cstdint>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/geometry.hpp"
#include "imaging/image_source.hpp"

namespace tessera::deepzoom {

struct ParsedRequest {
  enum class Kind { descriptor, tile } kind = Kind::descriptor;
  std::string identifier;  // decoded
  std::int64_t level = 0, column = 0, row = 0;
  std::string format;  // tile only: "jpg" or "png"
};

// `path` is still percent-encoded: "{identifier}.dzi" or
// "{identifier}_files/{level}/{col}_{row}.{jpg|png}" (the identifier ends at the last
// "_files/"). Malformed paths are 400s.
Result<ParsedRequest> parse(std::string_view path);

// The tile size the descriptor announces: the stored tile width when it is a square size a
// viewer handles well, else 256.
std::int64_t viewer_tile_size(const LevelInfo& full_level);

struct TileView {
  Rect region;  // full resolution
  std::int64_t width = 0, height = 0;
};

class Pyramid {
 public:
  // The full size (both at least 1), the tile size (> 0) and the overlap (>= 0).
  Pyramid(std::int64_t width, std::int64_t height, std::int64_t tile_size, std::int64_t overlap);

  // Level max_level() is the full size; level 0 is 1x1.
  std::int64_t max_level() const noexcept { return max_level_; }
  // Level `level` is the full size divided by 2^(max_level - level), rounded up.
  std::int64_t level_width(std::int64_t level) const noexcept;
  std::int64_t level_height(std::int64_t level) const noexcept;
  std::int64_t columns(std::int64_t level) const noexcept;
  std::int64_t rows(std::int64_t level) const noexcept;

  bool contains(std::int64_t level, std::int64_t column, std::int64_t row) const noexcept;
  // An existing tile: its rectangle in the level, overlap included, mapped to full resolution
  // (level pixel x is full-resolution x * 2^k, clamped to the edge).
  TileView tile(std::int64_t level, std::int64_t column, std::int64_t row) const;

  // The .dzi body, byte for byte as iipsrv writes it.
  std::string descriptor() const;

 private:
  std::int64_t width_, height_, tile_size_, overlap_;
  std::int64_t max_level_ = 0;
};

}  // namespace tessera::deepzoom
