#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {
namespace {

// NaN fails both comparisons and lands on 0.
inline float clamp01(float v) noexcept {
  return v > 0 ? (v < 1 ? v : 1.0f) : 0.0f;
}

using Kernel3 = std::array<double, 9>;

// The edge detectors, as x kernels (the y kernel is the transpose).
constexpr Kernel3 kSobel = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
constexpr Kernel3 kPrewitt = {-1, 0, 1, -1, 0, 1, -1, 0, 1};
constexpr Kernel3 kScharr = {-3, 0, 3, -10, 0, 10, -3, 0, 3};

Kernel kernel3(const Kernel3& w) {
  return Kernel{3, std::vector<double>(w.begin(), w.end())};
}

bool is_edge_detector(const Kernel& k) {
  if (k.size != 3 || k.weights.size() != 9) return false;
  for (const Kernel3* e : {&kSobel, &kPrewitt, &kScharr})
    if (std::equal(e->begin(), e->end(), k.weights.begin())) return true;
  return false;
}

bool is_valid(const Kernel& k) {
  if (k.size != 1 && k.size != 3 && k.size != 5) return false;
  if (k.weights.size() != static_cast<std::size_t>(k.size * k.size)) return false;
  return std::all_of(k.weights.begin(), k.weights.end(), [](double w) { return std::isfinite(w); });
}

// The raster's rows widened by `r` repeated edge pixels on each side, so every tap of an output
// row is one contiguous run of the same length.
struct Padded {
  std::vector<float> data;
  std::size_t stride = 0;  // floats per padded row
  const float* row(std::int64_t y) const {
    return data.data() + static_cast<std::size_t>(y) * stride;
  }
};

Padded pad_columns(const Raster& in, int r) {
  const auto nb = static_cast<std::size_t>(in.bands);
  const auto w = static_cast<std::size_t>(in.width);
  const auto rr = static_cast<std::size_t>(r);
  Padded p;
  p.stride = (w + 2 * rr) * nb;
  p.data.resize(p.stride * static_cast<std::size_t>(in.height));
  for (std::int64_t y = 0; y < in.height; ++y) {
    const auto* src = reinterpret_cast<const float*>(in.row(y));
    float* dst = p.data.data() + static_cast<std::size_t>(y) * p.stride;
    for (std::size_t i = 0; i < rr; ++i) {
      std::copy_n(src, nb, dst + i * nb);
      std::copy_n(src + (w - 1) * nb, nb, dst + (rr + w + i) * nb);
    }
    std::copy_n(src, w * nb, dst + rr * nb);
  }
  return p;
}

// acc[i] += sum over taps of weight * padded sample; `weights` is size x size, row-major.
void accumulate(const Padded& p, std::int64_t y, std::int64_t height,
                const std::vector<float>& weights, int size, std::size_t nb, float* __restrict acc,
                std::size_t n) {
  const int r = size / 2;
  for (int ky = 0; ky < size; ++ky) {
    const std::int64_t sy = std::clamp<std::int64_t>(y + ky - r, 0, height - 1);
    const float* src = p.row(sy);
    for (int kx = 0; kx < size; ++kx) {
      const float w = weights[static_cast<std::size_t>(ky * size + kx)];
      if (w == 0) continue;
      const float* __restrict s = src + static_cast<std::size_t>(kx) * nb;
      for (std::size_t i = 0; i < n; ++i) acc[i] += w * s[i];
    }
  }
}

}  // namespace

std::optional<Kernel> named_kernel(std::string_view name) {
  if (name == "sobel") return kernel3(kSobel);
  if (name == "prewitt") return kernel3(kPrewitt);
  if (name == "scharr") return kernel3(kScharr);
  if (name == "laplace") return kernel3({0, 1, 0, 1, -4, 1, 0, 1, 0});
  if (name == "gaussian") {
    Kernel3 g = {1, 2, 1, 2, 4, 2, 1, 2, 1};
    for (double& w : g) w /= 16;
    return kernel3(g);
  }
  if (name == "sharpen") return kernel3({0, -1, 0, -1, 5, -1, 0, -1, 0});
  if (name == "emboss") return kernel3({-2, -1, 0, -1, 1, 1, 0, 1, 2});
  return std::nullopt;
}

Raster convolve(const Raster& working, const Kernel& kernel) {
  if (working.type != SampleType::f32 || working.empty() || working.bands <= 0 || !is_valid(kernel))
    return working;
  const int size = kernel.size;
  const bool magnitude = is_edge_detector(kernel);
  std::vector<float> wx(kernel.weights.begin(), kernel.weights.end());
  std::vector<float> wy(wx.size());
  for (int i = 0; i < size; ++i)
    for (int j = 0; j < size; ++j)
      wy[static_cast<std::size_t>(i * size + j)] = wx[static_cast<std::size_t>(j * size + i)];

  // A kernel summing to 0 answers 0 on flat areas and negative on half the edges: shift it to
  // mid-grey so both signs survive the clamp.
  double sum = 0, sum_abs = 0;
  for (double w : kernel.weights) {
    sum += w;
    sum_abs += std::abs(w);
  }
  const float offset = !magnitude && std::abs(sum) <= 1e-9 * sum_abs ? 0.5f : 0.0f;

  const auto nb = static_cast<std::size_t>(working.bands);
  const std::size_t n = static_cast<std::size_t>(working.width) * nb;
  const Padded p = pad_columns(working, size / 2);
  Raster out(working.width, working.height, working.bands, SampleType::f32);
  std::vector<float> gx(n), gy(magnitude ? n : 0);
  for (std::int64_t y = 0; y < working.height; ++y) {
    auto* dst = reinterpret_cast<float*>(out.row(y));
    std::fill(gx.begin(), gx.end(), offset);
    accumulate(p, y, working.height, wx, size, nb, gx.data(), n);
    if (!magnitude) {
      for (std::size_t i = 0; i < n; ++i) dst[i] = clamp01(gx[i]);
      continue;
    }
    std::fill(gy.begin(), gy.end(), 0.0f);
    accumulate(p, y, working.height, wy, size, nb, gy.data(), n);
    for (std::size_t i = 0; i < n; ++i) dst[i] = clamp01(std::sqrt(gx[i] * gx[i] + gy[i] * gy[i]));
  }
  return out;
}

}  // namespace tessera
