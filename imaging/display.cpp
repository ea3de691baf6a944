#include "imaging/display.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace tessera {
namespace {

// The bands shown: colour (1 or 3) then alpha when present.
std::vector<int> shown_bands(const ImageInfo& info) {
  std::vector<int> bands;
  const int colour = info.colour == ColourSpace::grey ? 1 : 3;
  for (int b = 0; b < std::min(colour, info.bands); ++b) bands.push_back(b);
  if (info.has_alpha && info.bands > colour) bands.push_back(info.bands - 1);
  return bands;
}

template <class T>
double sample(const Raster& r, std::size_t i) {
  T v;
  std::memcpy(&v, r.data.data() + i * sizeof(T), sizeof(T));
  return static_cast<double>(v);
}

double srgb_gamma(double c) {
  c = std::clamp(c, 0.0, 1.0);
  return c <= 0.0031308 ? 12.92 * c : 1.055 * std::pow(c, 1 / 2.4) - 0.055;
}

}  // namespace

bool is_display_ready(const ImageInfo& info) {
  if (info.sample_type != SampleType::u8 || info.colour == ColourSpace::cielab) return false;
  if (static_cast<int>(shown_bands(info).size()) != info.bands) return false;
  for (std::size_t b = 0; b < info.min_values.size(); ++b)
    if (info.min_values[b] != 0 || info.max_values[b] != 255) return false;
  return true;
}

void lab_to_srgb(double l, double a, double b, std::uint8_t rgb[3]) {
  // Lab (D50) -> XYZ (D50) -> Bradford-adapted XYZ (D65) -> linear sRGB.
  const double fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
  const auto inv = [](double t) {
    return t > 6.0 / 29 ? t * t * t : 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0 / 29);
  };
  const double x = 0.96422 * inv(fx), y = inv(fy), z = 0.82521 * inv(fz);
  const double x65 = 0.9555766 * x - 0.0230393 * y + 0.0631636 * z;
  const double y65 = -0.0282895 * x + 1.0099416 * y + 0.0210077 * z;
  const double z65 = 0.0122982 * x - 0.0204830 * y + 1.3299098 * z;
  const double lin[3] = {3.2404542 * x65 - 1.5371385 * y65 - 0.4985314 * z65,
                         -0.9692660 * x65 + 1.8760108 * y65 + 0.0415560 * z65,
                         0.0556434 * x65 - 0.2040259 * y65 + 1.0572252 * z65};
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<std::uint8_t>(std::lround(srgb_gamma(lin[c]) * 255));
}

Raster to_display(const Raster& in, const ImageInfo& info) {
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  if (info.colour == ColourSpace::cielab) {
    Raster out(in.width, in.height, 3);
    for (std::size_t i = 0; i < n; ++i) {
      const double l =
          with_sample_type(in.type, [&](auto t) { return sample<decltype(t)>(in, i * in.bands); });
      const double a = with_sample_type(
          in.type, [&](auto t) { return sample<decltype(t)>(in, i * in.bands + 1); });
      const double b = with_sample_type(
          in.type, [&](auto t) { return sample<decltype(t)>(in, i * in.bands + 2); });
      lab_to_srgb(l, a, b, &out.data[i * 3]);
    }
    return out;
  }
  const std::vector<int> bands = shown_bands(info);
  Raster out(in.width, in.height, static_cast<int>(bands.size()));
  std::vector<double> offset(bands.size()), gain(bands.size());
  for (std::size_t k = 0; k < bands.size(); ++k) {
    const auto b = static_cast<std::size_t>(bands[k]);
    const double lo = b < info.min_values.size() ? info.min_values[b] : 0;
    const double hi = b < info.max_values.size() ? info.max_values[b] : 255;
    offset[k] = lo;
    gain[k] = hi > lo ? 255.0 / (hi - lo) : 0;
  }
  with_sample_type(in.type, [&](auto t) {
    using T = decltype(t);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < bands.size(); ++k) {
        const double v = sample<T>(in, i * in.bands + bands[k]);
        const double s = std::isnan(v) ? 0 : (v - offset[k]) * gain[k];
        out.data[i * bands.size() + k] =
            static_cast<std::uint8_t>(std::lround(std::clamp(s, 0.0, 255.0)));
      }
  });
  return out;
}

}  // namespace tessera
