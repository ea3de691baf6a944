#include "imaging/image_source.hpp"

#include <cstring>

namespace tessera {

Result<Raster> ImageSource::read_region(std::size_t level, const Rect& region) const {
  const ImageInfo& inf = info();
  if (level >= inf.levels.size()) return make_error(Errc::internal, "pyramid level out of range");
  const LevelInfo& lv = inf.levels[level];
  const Rect bounds{0, 0, lv.width, lv.height};
  if (region.empty() || intersect(region, bounds) != region)
    return make_error(Errc::internal, "region outside the pyramid level");

  const std::int64_t tw = lv.tile_width;
  const std::int64_t th = lv.tile_height;
  Raster out(region.w, region.h, inf.bands, inf.sample_type);
  const std::size_t px = out.pixel_bytes();

  for (std::int64_t ty = region.y / th; ty <= (region.bottom() - 1) / th; ++ty) {
    for (std::int64_t tx = region.x / tw; tx <= (region.right() - 1) / tw; ++tx) {
      auto tile = read_tile(level, tx, ty);
      if (!tile) return tile.error();
      const Rect tile_rect{tx * tw, ty * th, tile->width, tile->height};
      const Rect part = intersect(tile_rect, region);
      if (part.empty()) continue;
      for (std::int64_t y = part.y; y < part.bottom(); ++y) {
        const std::uint8_t* src =
            tile->row(y - tile_rect.y) + static_cast<std::size_t>(part.x - tile_rect.x) * px;
        std::uint8_t* dst =
            out.row(y - region.y) + static_cast<std::size_t>(part.x - region.x) * px;
        std::memcpy(dst, src, static_cast<std::size_t>(part.w) * px);
      }
    }
  }
  return out;
}

}  // namespace tessera
