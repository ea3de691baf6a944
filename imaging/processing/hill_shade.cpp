#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {

namespace {

// iipsrv's shading of a surface-normal map (RGB = normal components, 0.5 = zero), kept exactly
// so its SHD URLs give the same pictures: the light's horizontal part has length 1 whatever the
// elevation, and the result is half the dot product.
Raster shade_normals(const Raster& working, const HillShade& shade) {
  constexpr double deg = std::numbers::pi / 180;
  double sx = std::sin(shade.azimuth * deg), sy = std::cos(shade.azimuth * deg);
  double sz = -std::sin(shade.elevation * deg);
  const double norm = std::sqrt(sx * sx + sy * sy + sz * sz);
  sx /= norm, sy /= norm, sz /= norm;

  const auto nb = static_cast<std::size_t>(working.bands);
  const std::size_t n = static_cast<std::size_t>(working.width * working.height);
  Raster out(working.width, working.height, 1, SampleType::f32);
  const auto* s = reinterpret_cast<const float*>(working.data.data());
  auto* d = reinterpret_cast<float*>(out.data.data());
  for (std::size_t i = 0; i < n; ++i, s += nb) {
    if (s[0] == 0 && s[1] == 0 && s[2] == 0) {  // no normal: unlit
      d[i] = 0;
      continue;
    }
    const double dot = -(s[0] - 0.5) * 2 * sx - (s[1] - 0.5) * 2 * sy - (s[2] - 0.5) * 2 * sz;
    d[i] = static_cast<float>(std::clamp(0.5 * dot, 0.0, 1.0));
  }
  return out;
}

}  // namespace

Raster hill_shade(const Raster& working, const HillShade& shade, double relief) {
  if (!shade.enabled || working.type != SampleType::f32 || working.empty() || working.bands <= 0)
    return working;
  if (working.bands >= 3) return shade_normals(working, shade);
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
