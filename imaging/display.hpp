#pragma once
// From source samples of any type to the 8-bit pixels that encoders take: grey, grey+alpha,
// RGB or RGB+alpha. Each band is mapped linearly from the image's min/max to 0..255 (NaN to 0);
// CIELAB becomes sRGB; multispectral images show their first band. This is the default view;
// requests that pick bands or ranges (IIP MINMAX, CTW) refine it.

#include "imaging/image_source.hpp"

namespace tessera {

// True when `info`'s rasters are already display pixels (8-bit, full range, no extra bands).
bool is_display_ready(const ImageInfo& info);

Raster to_display(const Raster& in, const ImageInfo& info);

// CIE L*a*b* relative to a reference white (chromaticity x, y) to 8-bit sRGB, adapting the
// white to sRGB's D65 with the Bradford transform.
class LabToSrgb {
 public:
  explicit LabToSrgb(double white_x = 0.3457, double white_y = 0.3585);  // default D50
  void operator()(double l, double a, double b, std::uint8_t rgb[3]) const;

 private:
  double white_[3];      // reference white XYZ, Y = 1
  double to_rgb_[3][3];  // adapted XYZ -> linear sRGB, adaptation included
};

}  // namespace tessera
