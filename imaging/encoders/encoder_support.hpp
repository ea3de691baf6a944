#pragma once
// Private to the encoders: the checks every encoder makes on its input, and the conversions
// that bring a raster to what a format can hold (alpha dropped, 16-bit narrowed to 8).

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera::encoders {

struct FormatLimits {
  std::string_view name;  // for messages: "JPEG"
  std::int64_t max_side;  // pixels per side
  bool alpha;             // keeps an alpha band
  bool deep;              // keeps 16-bit samples
};

// 16-bit to 8-bit with rounding: the nearest of the 256 levels.
inline std::uint8_t narrow_u16(std::uint16_t v) noexcept {
  return static_cast<std::uint8_t>((std::uint32_t{v} * 255u + 32767u) / 65535u);
}

inline bool has_alpha(const Raster& r) noexcept {
  return r.bands == 2 || r.bands == 4;
}

namespace detail {

template <class T>
void convert(const Raster& in, Raster& out) {
  const auto* src = reinterpret_cast<const T*>(in.data.data());
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  const int in_bands = in.bands;
  const int out_bands = out.bands;
  if (out.type == SampleType::u8) {
    std::uint8_t* dst = out.data.data();
    for (std::size_t i = 0; i < n; ++i, src += in_bands, dst += out_bands)
      for (int b = 0; b < out_bands; ++b) {
        if constexpr (sizeof(T) == 2)
          dst[b] = narrow_u16(src[b]);
        else
          dst[b] = static_cast<std::uint8_t>(src[b]);
      }
  } else {
    auto* dst = reinterpret_cast<T*>(out.data.data());
    for (std::size_t i = 0; i < n; ++i, src += in_bands, dst += out_bands)
      for (int b = 0; b < out_bands; ++b) dst[b] = src[b];
  }
}

}  // namespace detail

// Validates `in` and returns either `in` itself or `scratch` filled with the samples the format
// takes. Wrong bands or sample types are the pipeline's bug (internal); oversized output is the
// client's request (bad_request).
inline Result<const Raster*> prepare_raster(const Raster& in, const FormatLimits& limits,
                                            Raster& scratch) {
  const std::string name(limits.name);
  if (in.type != SampleType::u8 && in.type != SampleType::u16)
    return make_error(Errc::internal, name + " encoder takes 8 or 16-bit samples");
  if (in.bands < 1 || in.bands > 4)
    return make_error(Errc::internal, name + " encoder takes 1 to 4 bands");
  if (in.width <= 0 || in.height <= 0)
    return make_error(Errc::internal, name + " encoder was given an empty image");
  if (in.width > limits.max_side || in.height > limits.max_side)
    return make_error(Errc::bad_request, name + " output is limited to " +
                                             std::to_string(limits.max_side) + " pixels per side");
  // Sides are below 2^32 here, so only the product can overflow.
  const auto w = static_cast<std::uint64_t>(in.width);
  const auto h = static_cast<std::uint64_t>(in.height);
  const std::uint64_t max = std::numeric_limits<std::size_t>::max() / in.pixel_bytes();
  if (w > max / h || in.data.size() != w * h * in.pixel_bytes())
    return make_error(Errc::internal, name + " encoder was given an inconsistent raster");

  const bool narrow = in.type == SampleType::u16 && !limits.deep;
  const bool drop = has_alpha(in) && !limits.alpha;
  if (!narrow && !drop) return &in;
  scratch = Raster(in.width, in.height, drop ? in.bands - 1 : in.bands,
                   narrow ? SampleType::u8 : in.type);
  if (in.type == SampleType::u16)
    detail::convert<std::uint16_t>(in, scratch);
  else
    detail::convert<std::uint8_t>(in, scratch);
  return &scratch;
}

// Grey (and grey+alpha) as RGB (RGBA), for formats that only take colour; 8-bit input.
inline Raster expand_grey(const Raster& in) {
  const int alpha = has_alpha(in) ? 1 : 0;
  Raster out(in.width, in.height, 3 + alpha);
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  const std::uint8_t* src = in.data.data();
  std::uint8_t* dst = out.data.data();
  for (std::size_t i = 0; i < n; ++i, src += in.bands, dst += out.bands) {
    dst[0] = dst[1] = dst[2] = src[0];
    if (alpha) dst[3] = src[1];
  }
  return out;
}

}  // namespace tessera::encoders
