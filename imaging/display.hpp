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

// One CIE L*a*b* colour (D50, as TIFF and ICC use it) as 8-bit sRGB.
void lab_to_srgb(double l, double a, double b, std::uint8_t rgb[3]);

}  // namespace tessera
