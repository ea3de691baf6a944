#include "imaging/display.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {
namespace {

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

std::vector<int> colour_bands(const ImageInfo& info) {
  if (info.colour != ColourSpace::grey && info.bands >= 3) return {0, 1, 2};
  return {0};
}

int alpha_band(const ImageInfo& info) {
  const auto colour = static_cast<int>(colour_bands(info).size());
  return info.has_alpha && info.bands > colour ? info.bands - 1 : -1;
}

bool is_display_ready(const ImageInfo& info) {
  if (info.sample_type != SampleType::u8 || info.colour == ColourSpace::cielab) return false;
  const auto shown = colour_bands(info).size() + (alpha_band(info) >= 0 ? 1 : 0);
  if (static_cast<int>(shown) != info.bands) return false;
  for (std::size_t b = 0; b < info.min_values.size(); ++b)
    if (info.min_values[b] != 0 || info.max_values[b] != 255) return false;
  return true;
}

LabToSrgb::LabToSrgb(double white_x, double white_y) {
  white_[0] = white_x / white_y;
  white_[1] = 1;
  white_[2] = (1 - white_x - white_y) / white_y;
  // Bradford cone response, its inverse, D65, and XYZ (D65) -> linear sRGB.
  static constexpr double bradford[3][3] = {
      {0.8951, 0.2664, -0.1614}, {-0.7502, 1.7135, 0.0367}, {0.0389, -0.0685, 1.0296}};
  static constexpr double inverse[3][3] = {{0.9869929, -0.1470543, 0.1599627},
                                           {0.4323053, 0.5183603, 0.0492912},
                                           {-0.0085287, 0.0400428, 0.9684867}};
  static constexpr double d65[3] = {0.95047, 1.0, 1.08883};
  static constexpr double srgb[3][3] = {{3.2404542, -1.5371385, -0.4985314},
                                        {-0.9692660, 1.8760108, 0.0415560},
                                        {0.0556434, -0.2040259, 1.0572252}};
  double scale[3];
  for (int i = 0; i < 3; ++i) {
    double from = 0, to = 0;
    for (int j = 0; j < 3; ++j) {
      from += bradford[i][j] * white_[j];
      to += bradford[i][j] * d65[j];
    }
    scale[i] = to / from;
  }
  double adapt[3][3];  // inverse * diag(scale) * bradford
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      adapt[i][j] = 0;
      for (int k = 0; k < 3; ++k) adapt[i][j] += inverse[i][k] * scale[k] * bradford[k][j];
    }
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      to_rgb_[i][j] = 0;
      for (int k = 0; k < 3; ++k) to_rgb_[i][j] += srgb[i][k] * adapt[k][j];
    }
}

void LabToSrgb::operator()(double l, double a, double b, float rgb[3]) const {
  const double fy = (l + 16) / 116, fx = fy + a / 500, fz = fy - b / 200;
  const auto inv = [](double t) {
    return t > 6.0 / 29 ? t * t * t : 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0 / 29);
  };
  const double xyz[3] = {white_[0] * inv(fx), white_[1] * inv(fy), white_[2] * inv(fz)};
  for (int c = 0; c < 3; ++c) {
    const double lin = to_rgb_[c][0] * xyz[0] + to_rgb_[c][1] * xyz[1] + to_rgb_[c][2] * xyz[2];
    rgb[c] = static_cast<float>(srgb_gamma(lin));
  }
}

void band_ranges(const ImageInfo& info, std::span<const BandRange> overrides,
                 std::vector<double>& lo, std::vector<double>& hi) {
  lo.assign(static_cast<std::size_t>(info.bands), 0);
  hi.assign(static_cast<std::size_t>(info.bands), 255);
  for (std::size_t b = 0; b < lo.size(); ++b) {
    if (b < info.min_values.size()) lo[b] = info.min_values[b];
    if (b < info.max_values.size()) hi[b] = info.max_values[b];
  }
  for (const BandRange& r : overrides) {
    if (!std::isfinite(r.min) || !std::isfinite(r.max)) continue;
    for (int b = 0; b < info.bands; ++b)
      if (r.band < 0 || r.band == b) {
        lo[static_cast<std::size_t>(b)] = r.min;
        hi[static_cast<std::size_t>(b)] = r.max;
      }
  }
}

Raster normalise_bands(const Raster& in, const std::vector<int>& bands,
                       const std::vector<double>& lo, const std::vector<double>& hi) {
  std::vector<double> l, h;
  for (int b : bands) {
    l.push_back(lo[static_cast<std::size_t>(b)]);
    h.push_back(hi[static_cast<std::size_t>(b)]);
  }
  return normalise(in, bands, l, h);
}

Raster lab_to_working(const Raster& in, const ImageInfo& info) {
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  const LabToSrgb lab_to_srgb(info.white_x, info.white_y);
  Raster out(in.width, in.height, 3, SampleType::f32);
  auto* rgb = reinterpret_cast<float*>(out.data.data());
  with_sample_type(in.type, [&](auto t) {
    using T = decltype(t);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t p = i * static_cast<std::size_t>(in.bands);
      lab_to_srgb(sample<T>(in, p), sample<T>(in, p + 1), sample<T>(in, p + 2), rgb + i * 3);
    }
  });
  return out;
}

}  // namespace tessera
