#pragma once
// The processing operations of imaging/view.hpp (IIP's scientific set), each defined once.
// They work on "working rasters": SampleType::f32, samples normalised to [0,1], colour bands
// only (the pipeline sets alpha aside). normalise() makes a working raster from samples of any
// type and quantise() turns one into 8- or 16-bit output, so every operation serves every
// pixel type. Operations clamp their results to [0,1] (NaN -> 0); all but normalise() give back
// a raster that is not f32 unchanged.

#include <optional>
#include <span>
#include <string_view>

#include "imaging/raster.hpp"
#include "imaging/view.hpp"

namespace tessera {

// Any sample type -> f32 in [0,1]: output band k is input band bands[k] mapped by
// (v - lo[k]) / (hi[k] - lo[k]), clamped; NaN and lo == hi give 0, +inf 1, -inf 0 (hi < lo
// inverts). Only the bands listed in `bands` are kept, in that order; a band the input lacks is
// all 0; a missing lo[k] / hi[k] is 0 / 1.
Raster normalise(const Raster& in, std::span<const int> bands, std::span<const double> lo,
                 std::span<const double> hi);

// f32 [0,1] -> unsigned integers of `bits` (8 or 16; anything else means 8): round(v * 255)
// or round(v * 65535), clamped.
Raster quantise(const Raster& working, int bits);

// A one-band relief. One or two bands: band 0 is a height map, shaded Lambert's way for the
// light in `shade`, with `relief` the height difference, in output pixels, that the full [0,1]
// range stands for. Gradient by Horn's 3x3 differences; normal n = normalise(-dh/dx, -dh/dy, 1)
// with y pointing down; towards the light L = (sin az cos el, -cos az cos el, sin el);
// out = max(0, n . L), so a flat map gives sin(elevation).
// Three or more bands: bands 0-2 are a surface-normal map, shaded as iipsrv's SHD does, so its
// URLs give the same pictures: o = -2 (rgb - 0.5), s = normalise(sin az, cos az, -sin el),
// out = clamp(0.5 o . s, 0, 1), and 0 where the normal is (0, 0, 0).
// `shade.enabled == false` returns the input unchanged.
Raster hill_shade(const Raster& working, const HillShade& shade, double relief);

// Output band o = sum_i m[o][i] * band i, clamped. When m.cols differs from working.bands,
// inputs the raster lacks count as 0 and bands beyond m.cols are ignored; so are missing
// coefficients. An empty matrix returns the input unchanged.
Raster twist(const Raster& working, const BandMatrix& m);

// power: v^exponent. log: log(1 + 255 v) / log(256), iipsrv's log scale (0 -> 0, 1 -> 1,
// faint values lifted).
void apply_gamma(Raster& working, const Gamma& gamma);
// multiply: v * factor. stretch: each band's own min..max onto 0..1 (a flat band is left alone).
// equalise: per band over 1024 bins, v -> the cumulative count up to v's bin, scaled so the lowest
// occupied bin gives 0 and the highest 1 (a band in a single bin is left alone).
void apply_contrast(Raster& working, const Contrast& contrast);
// v -> 1 - v.
void invert(Raster& working);

// The first band (as iipsrv's CMP) mapped to three colour bands.
// hot: black, red, yellow, white (R, then G, then B rise over successive thirds); cold: the same
// with B, G, R; jet: MATLAB's (corners at 1/8, 3/8, 5/8, 7/8, dark blue at 0, dark red at 1);
// blue, green, red: the value in that channel only. none returns the input unchanged.
Raster apply_colormap(const Raster& working, Colormap map);

// Convolution with edge samples repeated; bands kept. Weights are used as given (no
// normalisation). A kernel whose weights sum to ~0 gets 0.5 added, so flat areas are mid-grey and
// both signs of an edge survive the clamp, except the x kernels of sobel, prewitt and scharr
// (exactly as named_kernel returns them): those give the gradient magnitude
// sqrt(gx^2 + gy^2), gy from the transposed kernel. An invalid kernel (size not 1, 3 or 5, a
// weight count other than size^2, non-finite weights) returns the input unchanged.
Raster convolve(const Raster& working, const Kernel& kernel);
// sobel, prewitt, scharr (x kernels), laplace (4-neighbour), gaussian (1-2-1 binomial / 16),
// sharpen, emboss, all 3x3; nullopt for any other name.
std::optional<Kernel> named_kernel(std::string_view name);

// Luminance (Rec. 601 weights) of three bands; one band is returned unchanged; any other count
// gives its first band.
Raster to_grey(const Raster& working);
// Luminance (as to_grey) thresholded: >= 0.5 gives 1, else 0.
Raster to_bitonal(const Raster& working);

}  // namespace tessera
