#pragma once
// What a request asks of the pipeline, protocol-neutral: IIIF, IIP, Zoomify and DeepZoom parsers
// fill in one View and the pipeline executes it. Every field has a "do nothing" default, so a
// View with only region and size set is a plain crop-and-scale.
//
// The pipeline applies the steps in this order (imaging/pipeline.cpp):
//   1. read `region` from the smallest sufficient pyramid level, in the source's sample type
//   2. resample to width x height with `interpolation`
//   3. normalise each band to [0,1] float by its range (the image's, or `ranges`); NaN -> 0;
//      CIELAB -> sRGB; ICC -> sRGB when `convert_icc`
//   4. hill-shade (`shade`): a height map becomes a grey relief
//   5. band recombination (`twist`, IIP CTW), else the image's display bands
//   6. gamma or log (`gamma`)
//   7. contrast: multiply, stretch or equalise (`contrast`)
//   8. invert (`invert`)
//   9. false colour (`colormap`)
//  10. convolution (`kernel`)
//  11. quality: colour, grey or bitonal (`quality`, IIP COL)
//  12. quantise to the output depth (`bits`: 8 or 16)
//  13. mirror, then rotate clockwise (`rotation`), filling with `background`
//  14. watermark (engine setting, not part of the request)
// Alpha bands are carried through steps 3-13 untouched (resampled and rotated with the pixels).

#include <cstdint>
#include <string>
#include <vector>

#include "imaging/geometry.hpp"

namespace tessera {

enum class Interpolation : std::uint8_t { nearest, bilinear, high_quality };

enum class Quality : std::uint8_t { colour, grey, bitonal };

// A request's own sample range for one band (band -1: every band), as IIP MINMAX.
struct BandRange {
  int band = -1;
  double min = 0, max = 1;
};

// Output band o = sum over input bands i of coefficients[o * cols + i] (IIP CTW); rows is 1 or 3.
struct BandMatrix {
  int rows = 0, cols = 0;
  std::vector<double> coefficients;
  bool empty() const noexcept { return rows == 0; }
};

enum class ContrastMode : std::uint8_t { none, multiply, stretch, equalise };
struct Contrast {
  ContrastMode mode = ContrastMode::none;
  double factor = 1;  // for multiply
};

enum class GammaMode : std::uint8_t { none, power, log };
struct Gamma {
  GammaMode mode = GammaMode::none;
  double exponent = 1;  // for power: v -> v^exponent
};

enum class Colormap : std::uint8_t { none, hot, cold, jet, blue, green, red };

// Light from `azimuth` degrees (0 = top of the image, clockwise) at `elevation` degrees above
// the horizon, falling on the height map in band 0.
struct HillShade {
  bool enabled = false;
  double azimuth = 0, elevation = 45;
};

// A square, odd-sized (1, 3 or 5) convolution kernel, row-major; empty when size is 0.
struct Kernel {
  int size = 0;
  std::vector<double> weights;
  bool empty() const noexcept { return size == 0; }
};

struct Rotation {
  bool mirror = false;  // flip left-right, before rotating
  double degrees = 0;   // clockwise, [0, 360)
};

// Fill for the corners an arbitrary rotation uncovers, when the output format has no alpha.
enum class Background : std::uint8_t { white, black };

struct View {
  Rect region;             // full-resolution pixels, inside the image, not empty
  std::int64_t width = 0;  // output size before rotation
  std::int64_t height = 0;
  Interpolation interpolation = Interpolation::high_quality;

  std::vector<BandRange> ranges;  // applied in order; later entries override earlier ones
  bool convert_icc = false;
  HillShade shade;
  BandMatrix twist;
  Gamma gamma;
  Contrast contrast;
  bool invert = false;
  Colormap colormap = Colormap::none;
  Kernel kernel;
  Quality quality = Quality::colour;
  int bits = 8;  // output depth: 8, or 16 (formats that hold it, images deeper than 8 bits)
  Rotation rotation;
  Background background = Background::white;

  // True when the view asks for any of steps 3-10 (ranges, ICC conversion, shading, band
  // mixing, tone, false colour, convolution).
  bool processes() const;
  // Identifies the pixels this view produces, for caches and ETags.
  std::string canonical() const;
};

// A plain crop-and-scale view.
inline View make_view(const Rect& region, std::int64_t width, std::int64_t height) {
  View v;
  v.region = region;
  v.width = width;
  v.height = height;
  return v;
}

}  // namespace tessera
