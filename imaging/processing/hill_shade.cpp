#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {

Raster hill_shade(const Raster& working, const HillShade& shade, double relief) {
  if (!shade.enabled || working.type != SampleType::f32 || working.empty() || working.bands <= 0)
    return working;
  const auto w = static_cast<std::size_t>(working.width);
  const std::int64_t h = working.height;
  const auto nb = static_cast<std::size_t>(working.bands);

  // Band 0 as heights in pixels, each row widened by one repeated sample on either side.
  const std::size_t stride = w + 2;
  std::vector<float> height(stride * static_cast<std::size_t>(h));
  const auto scale = static_cast<float>(relief);
  for (std::int64_t y = 0; y < h; ++y) {
    const auto* src = reinterpret_cast<const float*>(working.row(y));
    float* dst = height.data() + static_cast<std::size_t>(y) * stride;
    for (std::size_t x = 0; x < w; ++x) {
      const float v = src[x * nb];
      dst[x + 1] = (v == v ? v : 0.0f) * scale;  // NaN: sea level
    }
    dst[0] = dst[1];
    dst[w + 1] = dst[w];
  }

  // Towards the light: azimuth clockwise from the top of the image, y pointing down.
  constexpr double deg = std::numbers::pi / 180;
  const double az = shade.azimuth * deg, el = shade.elevation * deg;
  const auto lx = static_cast<float>(std::sin(az) * std::cos(el));
  const auto ly = static_cast<float>(-std::cos(az) * std::cos(el));
  const auto lz = static_cast<float>(std::sin(el));

  Raster out(working.width, h, 1, SampleType::f32);
  for (std::int64_t y = 0; y < h; ++y) {
    const auto row = [&](std::int64_t r) {
      return height.data() +
             static_cast<std::size_t>(std::clamp<std::int64_t>(r, 0, h - 1)) * stride;
    };
    const float* up = row(y - 1);
    const float* mid = row(y);
    const float* down = row(y + 1);
    auto* dst = reinterpret_cast<float*>(out.row(y));
    for (std::size_t x = 0; x < w; ++x) {
      // Horn's gradient: central differences weighted 1-2-1 across, exact on planes.
      const std::size_t l = x, c = x + 1, r = x + 2;
      const float gx = ((up[r] + 2 * mid[r] + down[r]) - (up[l] + 2 * mid[l] + down[l])) / 8;
      const float gy = ((down[l] + 2 * down[c] + down[r]) - (up[l] + 2 * up[c] + up[r])) / 8;
      // Normal (-gx, -gy, 1), normalised, dotted with the light.
      const float lit = (lz - gx * lx - gy * ly) / std::sqrt(gx * gx + gy * gy + 1);
      dst[x] = lit > 0 ? (lit < 1 ? lit : 1.0f) : 0.0f;
    }
  }
  return out;
}

}  // namespace tessera
