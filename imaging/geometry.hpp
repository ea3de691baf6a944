#pragma once
// Integer rectangles in pixel coordinates. Gigapixel and terapixel images need 64-bit coordinates.

#include <algorithm>
#include <cstdint>

namespace tessera {

struct Rect {
  std::int64_t x = 0;
  std::int64_t y = 0;
  std::int64_t w = 0;
  std::int64_t h = 0;

  std::int64_t right() const noexcept { return x + w; }
  std::int64_t bottom() const noexcept { return y + h; }
  bool empty() const noexcept { return w <= 0 || h <= 0; }
  friend bool operator==(const Rect&, const Rect&) = default;
};

inline Rect intersect(const Rect& a, const Rect& b) noexcept {
  const std::int64_t x0 = std::max(a.x, b.x);
  const std::int64_t y0 = std::max(a.y, b.y);
  const std::int64_t x1 = std::min(a.right(), b.right());
  const std::int64_t y1 = std::min(a.bottom(), b.bottom());
  if (x1 <= x0 || y1 <= y0) return Rect{x0, y0, 0, 0};
  return Rect{x0, y0, x1 - x0, y1 - y0};
}

constexpr std::int64_t ceil_div(std::int64_t a, std::int64_t b) noexcept {
  return (a + b - 1) / b;
}

}  // namespace tessera
