#pragma once
// An image source over a raster in memory, for pipeline tests on any sample type and band
// layout without writing files. Lower levels are computed by the generic source code.

#include "imaging/image_source.hpp"

namespace tessera::testing {

class MemorySource : public ImageSource {
 public:
  // `info` describes the raster (bands, type, colour, alpha, ranges); levels are set here.
  MemorySource(Raster full, ImageInfo info, std::uint32_t tile = 256);
  const ImageInfo& info() const override { return info_; }

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& region) const override;

 private:
  Raster full_;
  ImageInfo info_;
};

// An ImageInfo for a raster of `type` with `bands`, its ranges those of the type (or lo..hi).
ImageInfo info_for(const Raster& r, ColourSpace colour, bool alpha = false);

}  // namespace tessera::testing
