// render(): steps 3-14 of imaging/view.hpp on the scaled pixels from read_scaled().

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "imaging/display.hpp"
#include "imaging/icc.hpp"
#include "imaging/pipeline.hpp"
#include "imaging/processing.hpp"
#include "imaging/rotate.hpp"
#include "imaging/watermark.hpp"

namespace tessera {
namespace {

Raster attach_alpha(const Raster& colour, const Raster& alpha) {
  Raster out(colour.width, colour.height, colour.bands + 1, colour.type);
  const std::size_t sample = bytes_per_sample(colour.type);
  const std::size_t cpx = colour.pixel_bytes(), opx = out.pixel_bytes();
  const auto n = static_cast<std::size_t>(colour.width * colour.height);
  for (std::size_t i = 0; i < n; ++i) {
    std::memcpy(&out.data[i * opx], &colour.data[i * cpx], cpx);
    std::memcpy(&out.data[i * opx + cpx], &alpha.data[i * sample], sample);
  }
  return out;
}

Raster opaque_alpha(const Raster& colour) {
  Raster alpha(colour.width, colour.height, 1, colour.type);
  if (colour.type == SampleType::u16) {
    auto* a = reinterpret_cast<std::uint16_t*>(alpha.data.data());
    std::fill(a, a + colour.width * colour.height, std::uint16_t{65535});
  } else {
    std::fill(alpha.data.begin(), alpha.data.end(), std::uint8_t{255});
  }
  return attach_alpha(colour, alpha);
}

// What became of the image's colours on the way, for deciding whether its ICC profile still
// describes the output.
struct Provenance {
  bool icc_applied = false;  // converted to sRGB: the source profile no longer applies
  bool recoloured = false;   // shading, band mixing or false colour: not the source's colours
};

// Steps 3-12: samples of any type to 8- or 16-bit output bands (colour, then alpha).
Raster process(const Raster& in, const ImageInfo& info, const View& view, int bits, double scale,
               Provenance& how) {
  std::vector<double> lo, hi;
  band_ranges(info, view.ranges, lo, hi);
  const int alpha = alpha_band(info);

  Raster work;
  if (info.colour == ColourSpace::cielab) {
    work = lab_to_working(in, info);
  } else if (view.shade.enabled || !view.twist.empty()) {
    std::vector<int> all;  // shading and band mixing see every band but alpha
    for (int b = 0; b < info.bands; ++b)
      if (b != alpha) all.push_back(b);
    work = normalise_bands(in, all, lo, hi);
  } else {
    work = normalise_bands(in, colour_bands(info), lo, hi);
  }

  const IccSpace space = icc_space(info.icc_profile);
  if (view.convert_icc && ((work.bands == 3 && space == IccSpace::rgb) ||
                           (work.bands == 1 && space == IccSpace::grey))) {
    how.icc_applied = !convert_to_srgb(work, info.icc_profile).has_value();
  }
  if (view.shade.enabled) {
    // Heights: the full range stands for 255 full-resolution pixels, as if grey levels were
    // pixels; scaled with the output so relief looks the same at every zoom.
    work = hill_shade(work, view.shade, 255.0 / scale);
    how.recoloured = true;
  }
  if (!view.twist.empty()) {
    work = twist(work, view.twist);
    how.recoloured = true;
  }
  apply_gamma(work, view.gamma);
  apply_contrast(work, view.contrast);
  if (view.invert) invert(work);
  if (view.colormap != Colormap::none) {
    work = apply_colormap(work, view.colormap);
    how.recoloured = true;
  }
  if (!view.kernel.empty()) work = convolve(work, view.kernel);
  if (view.quality == Quality::grey) work = to_grey(work);
  if (view.quality == Quality::bitonal) work = to_bitonal(work);

  Raster out = quantise(work, bits);
  if (alpha >= 0) out = attach_alpha(out, quantise(normalise_bands(in, {alpha}, lo, hi), bits));
  return out;
}

// Step 13: mirror, then rotate clockwise.
Raster orient(Raster r, const View& view, const OutputFormat& format) {
  if (view.rotation.mirror) r = mirror(r);
  double degrees = std::fmod(view.rotation.degrees, 360.0);
  if (degrees < 0) degrees += 360;
  if (degrees == 0) return r;
  const double quarter = degrees / 90;
  if (std::abs(quarter - std::round(quarter)) < 1e-9) return rotate(r, degrees, {});

  const double max = r.type == SampleType::u16 ? 65535 : 255;
  std::vector<double> fill;
  if (format.alpha) {  // transparent corners
    if (r.bands == 1 || r.bands == 3) r = opaque_alpha(r);
    fill.assign(static_cast<std::size_t>(r.bands), 0);
  } else {
    fill.assign(static_cast<std::size_t>(r.bands), view.background == Background::white ? max : 0);
  }
  return rotate(r, degrees, fill);
}

}  // namespace

Result<Rendered> render(const ImageSource& source, const View& view, const OutputFormat& format,
                        const RenderSettings& settings) {
  const ImageInfo& info = source.info();
  auto scaled = read_scaled(source, view, settings);
  if (!scaled) return scaled.error();
  // 16-bit output only carries information for images deeper than 8 bits.
  const int bits = view.bits == 16 && format.deep && info.bits_per_sample > 8 ? 16 : 8;

  Rendered result;
  Provenance how;
  if (is_display_ready(info) && !view.processes() && view.quality == Quality::colour && bits == 8) {
    result.pixels = std::move(*scaled);  // 8-bit display pixels: nothing to convert
  } else {
    const double scale = static_cast<double>(view.region.w) / static_cast<double>(view.width);
    result.pixels = process(*scaled, info, view, bits, scale, how);
  }
  result.pixels = orient(std::move(result.pixels), view, format);
  if (settings.watermark) settings.watermark->apply(result.pixels);

  // The source profile still describes the output when its colours went through unchanged.
  const int colour = result.pixels.bands == 2 || result.pixels.bands == 4 ? result.pixels.bands - 1
                                                                          : result.pixels.bands;
  const IccSpace space = icc_space(info.icc_profile);
  const bool profile_fits =
      (colour == 3 && space == IccSpace::rgb) || (colour == 1 && space == IccSpace::grey);
  if (profile_fits && !how.icc_applied && !how.recoloured && settings.max_icc > 0 &&
      info.icc_profile.size() <= settings.max_icc)
    result.metadata.icc_profile = info.icc_profile;
  if (settings.embed_xmp) result.metadata.xmp = info.xmp;
  // Output pixels per inch of the original: a reduced output covers the same inches.
  const double zoom = static_cast<double>(view.width) / static_cast<double>(view.region.w);
  result.metadata.dpi_x = info.dpi_x * zoom;
  result.metadata.dpi_y =
      info.dpi_y * static_cast<double>(view.height) / static_cast<double>(view.region.h);
  return result;
}

}  // namespace tessera
