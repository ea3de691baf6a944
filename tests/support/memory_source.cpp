#include "tests/support/memory_source.hpp"

#include <cstring>

namespace tessera::testing {

MemorySource::MemorySource(Raster full, ImageInfo info, std::uint32_t tile)
    : full_(std::move(full)), info_(std::move(info)) {
  info_.levels = {LevelInfo{full_.width, full_.height, tile, tile, true}};
  add_computed_levels(info_);
}

Result<Raster> MemorySource::read_stored(std::size_t level, const Rect& region) const {
  if (level != 0) return make_error(Errc::internal, "memory sources store one level");
  Raster out(region.w, region.h, full_.bands, full_.type);
  const std::size_t px = full_.pixel_bytes();
  for (std::int64_t y = 0; y < region.h; ++y)
    std::memcpy(out.row(y), full_.row(region.y + y) + static_cast<std::size_t>(region.x) * px,
                out.row_bytes());
  return out;
}

ImageInfo info_for(const Raster& r, ColourSpace colour, bool alpha) {
  ImageInfo info;
  info.format = "memory";
  info.bands = r.bands;
  info.sample_type = r.type;
  info.bits_per_sample = static_cast<int>(bytes_per_sample(r.type) * 8);
  info.colour = colour;
  info.has_alpha = alpha;
  set_type_range(info);
  return info;
}

}  // namespace tessera::testing
