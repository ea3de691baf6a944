#pragma once
// The one interface through which the engine reads pixels. Opening a source reads only its
// header (cheap, cached by the engine); pixels are then read per tile or per region at any
// pyramid level. Implementations must allow concurrent reads from several threads.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "imaging/error.hpp"
#include "imaging/geometry.hpp"
#include "imaging/raster.hpp"

namespace tessera {

enum class ColourSpace : std::uint8_t { grey, rgb };

struct LevelInfo {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::uint32_t tile_width = 0;  // stored tile size; for untiled levels the read block size
  std::uint32_t tile_height = 0;
};

struct ImageInfo {
  std::string format;             // "tiff", ...
  std::vector<LevelInfo> levels;  // levels[0] is the full resolution, then decreasing
  int bands = 0;                  // samples per pixel, alpha included
  int bits_per_sample = 8;
  SampleType sample_type = SampleType::u8;
  ColourSpace colour = ColourSpace::rgb;
  std::map<std::string, std::string> metadata;  // descriptive tags (title, rights, ...)

  std::int64_t width() const noexcept { return levels.empty() ? 0 : levels.front().width; }
  std::int64_t height() const noexcept { return levels.empty() ? 0 : levels.front().height; }
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;

  virtual const ImageInfo& info() const = 0;

  // One stored tile, cropped to the level's bounds (edge tiles are smaller than tile size).
  virtual Result<Raster> read_tile(std::size_t level, std::int64_t tile_x,
                                   std::int64_t tile_y) const = 0;

  // Any rectangle inside a level, assembled from tiles. Sources with a cheaper way override it.
  virtual Result<Raster> read_region(std::size_t level, const Rect& region) const;
};

}  // namespace tessera
