#pragma once
// A block of decoded pixels, interleaved, rows packed without padding.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

namespace tessera {

enum class SampleType : std::uint8_t { u8, u16, u32, i8, i16, i32, f32, f64 };

constexpr std::size_t bytes_per_sample(SampleType t) noexcept {
  switch (t) {
    case SampleType::u8:
    case SampleType::i8:
      return 1;
    case SampleType::u16:
    case SampleType::i16:
      return 2;
    case SampleType::u32:
    case SampleType::i32:
    case SampleType::f32:
      return 4;
    case SampleType::f64:
      return 8;
  }
  return 1;
}

// Calls f(T{}) with the C++ type of samples of type `t`.
template <class F>
decltype(auto) with_sample_type(SampleType t, F&& f) {
  switch (t) {
    case SampleType::u8:
      return f(std::uint8_t{});
    case SampleType::u16:
      return f(std::uint16_t{});
    case SampleType::u32:
      return f(std::uint32_t{});
    case SampleType::i8:
      return f(std::int8_t{});
    case SampleType::i16:
      return f(std::int16_t{});
    case SampleType::i32:
      return f(std::int32_t{});
    case SampleType::f32:
      return f(float{});
    case SampleType::f64:
      return f(double{});
  }
  return f(std::uint8_t{});
}

// `v` as a sample of type T: integers rounded half away from zero and clamped to T's range
// (NaN becomes the minimum); floating-point types unchanged.
template <class T, class Acc>
T saturate_round(Acc v) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(v);
  } else {
    constexpr Acc lo = static_cast<Acc>(std::numeric_limits<T>::min());
    constexpr Acc hi = static_cast<Acc>(std::numeric_limits<T>::max());
    if (!(v > lo)) return std::numeric_limits<T>::min();
    if (!(v < hi)) return std::numeric_limits<T>::max();
    if constexpr (std::is_unsigned_v<T>) return static_cast<T>(v + Acc(0.5));  // v > 0 here
    return static_cast<T>(v < 0 ? v - Acc(0.5) : v + Acc(0.5));
  }
}

struct Raster {
  std::int64_t width = 0;
  std::int64_t height = 0;
  int bands = 0;
  SampleType type = SampleType::u8;
  std::vector<std::uint8_t> data;

  Raster() = default;
  Raster(std::int64_t w, std::int64_t h, int b, SampleType t = SampleType::u8)
      : width(w),
        height(h),
        bands(b),
        type(t),
        data(static_cast<std::size_t>(w * h * b) * bytes_per_sample(t)) {}

  std::size_t pixel_bytes() const noexcept {
    return static_cast<std::size_t>(bands) * bytes_per_sample(type);
  }
  std::size_t row_bytes() const noexcept { return static_cast<std::size_t>(width) * pixel_bytes(); }
  std::uint8_t* row(std::int64_t y) noexcept {
    return data.data() + static_cast<std::size_t>(y) * row_bytes();
  }
  const std::uint8_t* row(std::int64_t y) const noexcept {
    return data.data() + static_cast<std::size_t>(y) * row_bytes();
  }
  bool empty() const noexcept { return width <= 0 || height <= 0; }
};

}  // namespace tessera
