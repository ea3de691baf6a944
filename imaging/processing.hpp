#pragma once
// The processing operations of imaging/view.hpp (IIP's scientific set), each defined once.
// They work on "working rasters": SampleType::f32, samples normalised to [0,1], colour bands
// only (the pipeline sets alpha aside). normalise() makes a working raster from samples of any
// type and quantise() turns one into 8- or 16-bit output, so every operation serves every
// pixel type. Operations clamp their results to [0,1].

#include <optional>
#include <span>
#include <string_view>

#include "imaging/raster.hpp"
#include "imaging/view.hpp"

namespace tessera {

// Any sample type -> f32 in [0,1]: band b maps [lo[b], hi[b]] linearly onto [0,1], clamped;
// NaN becomes 0. Only the bands listed in `bands` are kept, in that order.
Raster normalise(const Raster& in, std::span<const int> bands, std::span<const double> lo,
                 std::span<const double> hi);

// f32 [0,1] -> unsigned integers of `bits` (8 or 16), rounded.
Raster quantise(const Raster& working, int bits);

// A one-band relief from the height map in band 0: Lambertian shading for the light in `shade`,
// with `relief` the height difference, in output pixels, that the full [0,1] range stands for.
Raster hill_shade(const Raster& working, const HillShade& shade, double relief);

// Output band o = sum_i m[o][i] * band i, clamped. m.cols must equal working.bands.
Raster twist(const Raster& working, const BandMatrix& m);

void apply_gamma(Raster& working, const Gamma& gamma);
void apply_contrast(Raster& working, const Contrast& contrast);
void invert(Raster& working);

// One band (or the luminance of three) mapped to three colour bands.
Raster apply_colormap(const Raster& working, Colormap map);

// Convolution with edge samples repeated; bands kept.
Raster convolve(const Raster& working, const Kernel& kernel);
// sobel, prewitt, scharr, laplace, gaussian, sharpen, emboss; nullopt for any other name.
std::optional<Kernel> named_kernel(std::string_view name);

// Luminance (Rec. 601 weights) of three bands; one band is returned unchanged.
Raster to_grey(const Raster& working);
// Luminance thresholded at 0.5: every sample 0 or 1.
Raster to_bitonal(const Raster& working);

}  // namespace tessera
