#pragma once
// Separable resampling of 8-bit rasters. The default filter is a triangle whose support widens
// with the reduction factor, so downscaling averages every source pixel it covers (no aliasing
// from point sampling); at scale 1 with an integral offset it is an exact copy.

#include "imaging/raster.hpp"

namespace tessera {

// Maps the source rectangle [left, left+width) x [top, top+height), in `src` pixel coordinates
// (fractions allowed), onto an out_width x out_height raster. Samples outside `src` repeat its
// edge.
struct SourceWindow {
  double left = 0, top = 0, width = 0, height = 0;
};

Raster resample(const Raster& src, const SourceWindow& window, std::int64_t out_width,
                std::int64_t out_height);

// How far outside the window (in source pixels) the filter reads, for a given scale.
double filter_margin(double scale) noexcept;

}  // namespace tessera
