#include "imaging/resample.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace tessera {
namespace {

// The source pixels and weights that make one output sample along one axis.
struct Contribution {
  std::int64_t first = 0;
  std::vector<float> weights;
};

std::vector<Contribution> contributions(double start, double length, std::int64_t out,
                                        std::int64_t src_size) {
  const double scale = length / static_cast<double>(out);
  const double radius = std::max(1.0, scale);
  std::vector<Contribution> result(static_cast<std::size_t>(out));
  for (std::int64_t i = 0; i < out; ++i) {
    const double centre = start + (static_cast<double>(i) + 0.5) * scale;
    const auto lo = static_cast<std::int64_t>(std::ceil(centre - radius - 0.5));
    const auto hi = static_cast<std::int64_t>(std::floor(centre + radius - 0.5));
    Contribution& c = result[static_cast<std::size_t>(i)];
    // Weights are accumulated per clamped index so edge pixels absorb the taps beyond the edge.
    const std::int64_t first = std::clamp<std::int64_t>(lo, 0, src_size - 1);
    const std::int64_t last = std::clamp<std::int64_t>(hi, 0, src_size - 1);
    c.first = first;
    c.weights.assign(static_cast<std::size_t>(last - first + 1), 0.0f);
    double total = 0;
    for (std::int64_t j = lo; j <= hi; ++j) {
      const double w = 1.0 - std::abs(static_cast<double>(j) + 0.5 - centre) / radius;
      if (w <= 0) continue;
      const std::int64_t k = std::clamp<std::int64_t>(j, 0, src_size - 1);
      c.weights[static_cast<std::size_t>(k - first)] += static_cast<float>(w);
      total += w;
    }
    if (total <= 0) {  // degenerate: take the nearest pixel
      c.weights.assign(1, 1.0f);
      c.first =
          std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(centre)), 0, src_size - 1);
      continue;
    }
    for (float& w : c.weights) w = static_cast<float>(w / total);
  }
  return result;
}

bool is_integral(double v) noexcept {
  return std::abs(v - std::round(v)) < 1e-9;
}

Raster crop(const Raster& src, std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h) {
  Raster out(w, h, src.bands, src.type);
  const std::size_t px = src.pixel_bytes();
  for (std::int64_t row = 0; row < h; ++row)
    std::copy_n(src.row(y + row) + static_cast<std::size_t>(x) * px, out.row_bytes(), out.row(row));
  return out;
}

}  // namespace

double filter_margin(double scale, Interpolation) noexcept {
  return std::max(1.0, scale) + 1.0;
}

Raster resample(const Raster& src, const SourceWindow& win, std::int64_t out_w, std::int64_t out_h,
                Interpolation) {
  const int bands = src.bands;
  // A pure crop when no scaling is needed: keeps stored pixels exact.
  if (is_integral(win.left) && is_integral(win.top) &&
      std::abs(win.width - static_cast<double>(out_w)) < 1e-9 &&
      std::abs(win.height - static_cast<double>(out_h)) < 1e-9) {
    const auto x = static_cast<std::int64_t>(std::round(win.left));
    const auto y = static_cast<std::int64_t>(std::round(win.top));
    if (x >= 0 && y >= 0 && x + out_w <= src.width && y + out_h <= src.height)
      return crop(src, x, y, out_w, out_h);
  }

  const auto cols = contributions(win.left, win.width, out_w, src.width);
  const auto rows = contributions(win.top, win.height, out_h, src.height);

  // Horizontal pass into floats, only for the source rows some output row needs.
  const std::int64_t row_lo = rows.front().first;
  const std::int64_t row_hi =
      rows.back().first + static_cast<std::int64_t>(rows.back().weights.size());
  std::vector<float> horizontal(static_cast<std::size_t>((row_hi - row_lo) * out_w * bands));
  for (std::int64_t y = row_lo; y < row_hi; ++y) {
    const std::uint8_t* in = src.row(y);
    float* out = horizontal.data() + static_cast<std::size_t>((y - row_lo) * out_w * bands);
    for (std::int64_t x = 0; x < out_w; ++x) {
      const Contribution& c = cols[static_cast<std::size_t>(x)];
      for (int b = 0; b < bands; ++b) {
        float acc = 0;
        const std::uint8_t* p = in + c.first * bands + b;
        for (std::size_t k = 0; k < c.weights.size(); ++k)
          acc += c.weights[k] * p[k * static_cast<std::size_t>(bands)];
        out[x * bands + b] = acc;
      }
    }
  }

  Raster result(out_w, out_h, bands);
  const std::size_t stride = static_cast<std::size_t>(out_w * bands);
  for (std::int64_t y = 0; y < out_h; ++y) {
    const Contribution& c = rows[static_cast<std::size_t>(y)];
    std::uint8_t* out = result.row(y);
    const float* base = horizontal.data() + static_cast<std::size_t>(c.first - row_lo) * stride;
    for (std::size_t i = 0; i < stride; ++i) {
      float acc = 0;
      for (std::size_t k = 0; k < c.weights.size(); ++k) acc += c.weights[k] * base[k * stride + i];
      out[i] = static_cast<std::uint8_t>(std::clamp(std::lround(acc), 0L, 255L));
    }
  }
  return result;
}

}  // namespace tessera
