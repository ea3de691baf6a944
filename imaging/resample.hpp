#pragma once
// Separable resampling of rasters of any sample type (the output keeps the input's type;
// integer results are rounded and clamped to the type's range, floats are not clamped).
//   nearest:      point sampling
//   bilinear:     a 2-tap triangle, whatever the scale (aliases when reducing, like iipsrv)
//   high_quality: Lanczos-3 whose support widens with the reduction factor, so reducing
//                 low-passes before sampling (as libvips and Pillow do)
// At scale 1 with an integral offset every filter is an exact copy.

#include "imaging/raster.hpp"
#include "imaging/view.hpp"

namespace tessera {

// The source rectangle [left, left+width) x [top, top+height), in `src` pixel coordinates
// (fractions allowed), that is mapped onto the output. Taps outside `src` repeat its edge.
struct SourceWindow {
  double left = 0, top = 0, width = 0, height = 0;
};

Raster resample(const Raster& src, const SourceWindow& window, std::int64_t out_width,
                std::int64_t out_height, Interpolation filter = Interpolation::high_quality);

// True when an axis maps source pixels one to one (scale 1, whole-pixel offset): every filter
// then copies, and reads nothing outside the window.
bool copies_axis(double scale, double offset) noexcept;

// How far outside the window (in source pixels) `filter` reads at a given reduction `scale`
// (source pixels per output pixel), so callers read only what is needed.
double filter_margin(double scale, Interpolation filter = Interpolation::high_quality) noexcept;

}  // namespace tessera
