#pragma once
// Which bands of an image are shown, and CIELAB to sRGB. The general path from any samples to
// output pixels is the pipeline (imaging/pipeline.cpp); these are its facts about the image.

#include <span>
#include <vector>

#include "imaging/image_source.hpp"
#include "imaging/view.hpp"

namespace tessera {

// True when `info`'s rasters are already output pixels (8-bit, full range, no extra bands).
bool is_display_ready(const ImageInfo& info);

// The colour bands shown by default: grey {0}, RGB and CIELAB {0,1,2}. Multispectral images
// (more bands than their colour space uses) show their first band, or three with RGB.
std::vector<int> colour_bands(const ImageInfo& info);
// The alpha band, or -1.
int alpha_band(const ImageInfo& info);

// Per band, the range that maps to 0-1: the image's, with `overrides` (IIP MINMAX) applied in
// order.
void band_ranges(const ImageInfo& info, std::span<const BandRange> overrides,
                 std::vector<double>& lo, std::vector<double>& hi);
// The listed bands of `in`, normalised by those ranges into a working raster.
Raster normalise_bands(const Raster& in, const std::vector<int>& bands,
                       const std::vector<double>& lo, const std::vector<double>& hi);

// CIELAB samples (bands 0-2: L*, a*, b*, of any type) to a working raster: f32 sRGB in [0,1].
Raster lab_to_working(const Raster& in, const ImageInfo& info);

// CIE L*a*b* relative to a reference white (chromaticity x, y) to sRGB in [0,1], adapting the
// white to sRGB's D65 with the Bradford transform.
class LabToSrgb {
 public:
  explicit LabToSrgb(double white_x = 0.3457, double white_y = 0.3585);  // default D50
  void operator()(double l, double a, double b, float rgb[3]) const;

 private:
  double white_[3];      // reference white XYZ, Y = 1
  double to_rgb_[3][3];  // adapted XYZ -> linear sRGB, adaptation included
};

}  // namespace tessera
