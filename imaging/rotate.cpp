#include "imaging/rotate.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

namespace tessera {
namespace {

// The number of clockwise quarter turns `degrees` is (0..3), or -1 when it is not a multiple of
// 90; `reduced` receives the angle in [0, 360).
int quarter_turns(double degrees, double& reduced) noexcept {
  if (!std::isfinite(degrees)) degrees = 0;
  reduced = std::fmod(degrees, 360.0);
  if (reduced < 0) reduced += 360;
  for (int k = 0; k <= 4; ++k)
    if (std::abs(reduced - 90.0 * k) < 1e-9) return k % 4;
  return -1;
}

// Copies out(X, Y) from the byte offset origin + X * step_x + Y * step_y of `in`, where the
// steps are whole pixels or rows (possibly negative). Square tiles keep the source rows a
// transposition walks across in cache.
template <std::size_t P>
void remap(const Raster& in, Raster& out, std::ptrdiff_t origin, std::ptrdiff_t step_x,
           std::ptrdiff_t step_y) {
  const std::size_t p = P ? P : in.pixel_bytes();
  constexpr std::int64_t kTile = 64;
  for (std::int64_t y0 = 0; y0 < out.height; y0 += kTile) {
    const std::int64_t y1 = std::min(out.height, y0 + kTile);
    for (std::int64_t x0 = 0; x0 < out.width; x0 += kTile) {
      const std::int64_t x1 = std::min(out.width, x0 + kTile);
      for (std::int64_t y = y0; y < y1; ++y) {
        std::uint8_t* o = out.row(y) + static_cast<std::size_t>(x0) * p;
        std::ptrdiff_t at = origin + x0 * step_x + y * step_y;
        for (std::int64_t x = x0; x < x1; ++x, o += p, at += step_x)
          std::memcpy(o, in.data.data() + at, p);
      }
    }
  }
}

void remap(const Raster& in, Raster& out, std::ptrdiff_t origin, std::ptrdiff_t step_x,
           std::ptrdiff_t step_y) {
  switch (in.pixel_bytes()) {
    case 1:
      return remap<1>(in, out, origin, step_x, step_y);
    case 2:
      return remap<2>(in, out, origin, step_x, step_y);
    case 3:
      return remap<3>(in, out, origin, step_x, step_y);
    case 4:
      return remap<4>(in, out, origin, step_x, step_y);
    case 6:
      return remap<6>(in, out, origin, step_x, step_y);
    case 8:
      return remap<8>(in, out, origin, step_x, step_y);
    default:
      return remap<0>(in, out, origin, step_x, step_y);
  }
}

// Each output pixel centre, rotated back about the centres, is sampled bilinearly. A pixel
// whose centre lands within half a pixel of the image boundary, inside or out, is blended with
// the fill by the share of its (unit) footprint inside, so edges are smooth; farther out it is
// the fill.
template <class T>
void rotate_any(const Raster& in, double radians, std::span<const double> fill, Raster& out) {
  const auto bands = static_cast<std::size_t>(in.bands);
  std::vector<double> background(bands, 0.0);
  std::vector<T> background_t(bands);
  for (std::size_t b = 0; b < bands; ++b) {
    if (b < fill.size()) background[b] = fill[b];
    background_t[b] = saturate_round<T, double>(background[b]);
  }
  const double c = std::cos(radians), s = std::sin(radians);
  const auto w = static_cast<double>(in.width), h = static_cast<double>(in.height);
  const double cx = w / 2, cy = h / 2;
  const double ox = static_cast<double>(out.width) / 2, oy = static_cast<double>(out.height) / 2;
  const std::int64_t last_x = in.width - 1, last_y = in.height - 1;

  for (std::int64_t y = 0; y < out.height; ++y) {
    T* o = reinterpret_cast<T*>(out.row(y));
    const double dy = static_cast<double>(y) + 0.5 - oy;
    for (std::int64_t x = 0; x < out.width; ++x, o += bands) {
      const double dx = static_cast<double>(x) + 0.5 - ox;
      // Inverse of the clockwise rotation (y points down).
      const double sx = cx + dx * c + dy * s;
      const double sy = cy - dx * s + dy * c;
      if (!(sx > -0.5 && sx < w + 0.5 && sy > -0.5 && sy < h + 0.5) || in.empty()) {
        std::copy(background_t.begin(), background_t.end(), o);
        continue;
      }
      const double cover =
          std::min(1.0, std::min(sx, w - sx) + 0.5) * std::min(1.0, std::min(sy, h - sy) + 0.5);
      const double fx = std::clamp(sx - 0.5, 0.0, w - 1);
      const double fy = std::clamp(sy - 0.5, 0.0, h - 1);
      const auto x0 = static_cast<std::int64_t>(fx), y0 = static_cast<std::int64_t>(fy);
      const double tx = fx - static_cast<double>(x0), ty = fy - static_cast<double>(y0);
      const std::size_t i0 = static_cast<std::size_t>(x0) * bands;
      const std::size_t i1 = static_cast<std::size_t>(std::min(x0 + 1, last_x)) * bands;
      const T* r0 = reinterpret_cast<const T*>(in.row(y0));
      const T* r1 = reinterpret_cast<const T*>(in.row(std::min(y0 + 1, last_y)));
      for (std::size_t b = 0; b < bands; ++b) {
        const auto a00 = static_cast<double>(r0[i0 + b]), a10 = static_cast<double>(r0[i1 + b]);
        const auto a01 = static_cast<double>(r1[i0 + b]), a11 = static_cast<double>(r1[i1 + b]);
        const double top = a00 + tx * (a10 - a00);
        const double bottom = a01 + tx * (a11 - a01);
        double v = top + ty * (bottom - top);
        if (cover < 1) v = background[b] + cover * (v - background[b]);
        o[b] = saturate_round<T, double>(v);
      }
    }
  }
}

}  // namespace

Raster mirror(const Raster& in) {
  Raster out(in.width, in.height, in.bands, in.type);
  if (in.empty()) return out;
  const auto p = static_cast<std::ptrdiff_t>(in.pixel_bytes());
  remap(in, out, (in.width - 1) * p, -p, static_cast<std::ptrdiff_t>(in.row_bytes()));
  return out;
}

void rotated_size(std::int64_t width, std::int64_t height, double degrees, std::int64_t& out_width,
                  std::int64_t& out_height) noexcept {
  double reduced = 0;
  const int turns = quarter_turns(degrees, reduced);
  if (turns >= 0) {
    out_width = turns % 2 ? height : width;
    out_height = turns % 2 ? width : height;
    return;
  }
  const double radians = reduced * std::numbers::pi / 180;
  const double c = std::abs(std::cos(radians)), s = std::abs(std::sin(radians));
  const auto w = static_cast<double>(width), h = static_cast<double>(height);
  out_width = std::max<std::int64_t>(1, std::llround(w * c + h * s));
  out_height = std::max<std::int64_t>(1, std::llround(w * s + h * c));
}

Raster rotate(const Raster& in, double degrees, std::span<const double> fill) {
  double reduced = 0;
  const int turns = quarter_turns(degrees, reduced);
  if (turns == 0) return in;
  std::int64_t w = 0, h = 0;
  rotated_size(in.width, in.height, degrees, w, h);
  Raster out(w, h, in.bands, in.type);
  if (turns > 0) {
    if (in.empty()) return out;
    const auto p = static_cast<std::ptrdiff_t>(in.pixel_bytes());
    const auto row = static_cast<std::ptrdiff_t>(in.row_bytes());
    const std::ptrdiff_t right = (in.width - 1) * p, bottom = (in.height - 1) * row;
    // out(X, Y) = in(Y, h-1-X) for 90, in(w-1-X, h-1-Y) for 180, in(w-1-Y, X) for 270.
    if (turns == 1) remap(in, out, bottom, -row, p);
    if (turns == 2) remap(in, out, bottom + right, -p, -row);
    if (turns == 3) remap(in, out, right, row, -p);
    return out;
  }
  with_sample_type(in.type, [&](auto t) {
    rotate_any<decltype(t)>(in, reduced * std::numbers::pi / 180, fill, out);
  });
  return out;
}

}  // namespace tessera
