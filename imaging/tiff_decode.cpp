#include "imaging/tiff_decode.hpp"

#include <cstring>
#include <limits>
#include <type_traits>

namespace tessera {
namespace {

// Sample `i` of a row packed at `bits` per sample (1, 2, 4, 8 or 16; MSB first).
inline std::uint32_t packed_sample(const std::uint8_t* row, std::uint64_t i, int bits) {
  switch (bits) {
    case 8:
      return row[i];
    case 16: {
      std::uint16_t v;
      std::memcpy(&v, row + 2 * i, 2);
      return v;
    }
    default: {
      const std::uint64_t bit = i * static_cast<std::uint64_t>(bits);
      const int shift = 8 - bits - static_cast<int>(bit & 7);
      return (row[bit >> 3] >> shift) & ((1u << bits) - 1);
    }
  }
}

// Which samples of the stored pixel this block holds, and where they go in the output pixel.
struct SampleSpan {
  int first_band = 0;  // output band of the first sample
  int count = 0;       // samples per stored pixel in this block
};

SampleSpan span(const TiffDirectory& d, int plane) {
  if (d.planar == PLANARCONFIG_SEPARATE && d.samples > 1) return {plane, 1};
  return {0, d.samples};
}

template <class T>
void copy_direct(const TiffDirectory& d, const DecodedBlock& b, const Rect& part,
                 std::int64_t out_x, std::int64_t out_y, Raster& out) {
  const SampleSpan s = span(d, b.plane);
  const int bands = out.bands;
  const bool invert = d.photometric == PHOTOMETRIC_MINISWHITE && std::is_unsigned_v<T>;
  for (std::int64_t y = part.y; y < part.bottom(); ++y) {
    const auto* src = b.data + static_cast<std::uint64_t>(y - b.y) * b.row_bytes +
                      static_cast<std::uint64_t>(part.x - b.x) * s.count * sizeof(T);
    auto* dst = out.row(y - out_y) + static_cast<std::size_t>(part.x - out_x) * bands * sizeof(T);
    if (s.count == bands && !invert) {
      std::memcpy(dst, src, static_cast<std::size_t>(part.w) * bands * sizeof(T));
      continue;
    }
    for (std::int64_t x = 0; x < part.w; ++x)
      for (int k = 0; k < s.count && s.first_band + k < bands; ++k) {
        T v;
        std::memcpy(&v, src + (x * s.count + k) * sizeof(T), sizeof(T));
        if (invert) v = static_cast<T>(std::numeric_limits<T>::max() - v);
        std::memcpy(dst + (x * bands + s.first_band + k) * sizeof(T), &v, sizeof(T));
      }
  }
}

void copy_subbyte(const TiffDirectory& d, const DecodedBlock& b, const Rect& part,
                  std::int64_t out_x, std::int64_t out_y, Raster& out) {
  const SampleSpan s = span(d, b.plane);
  const std::uint32_t max = (1u << d.bits) - 1;
  const bool invert = d.photometric == PHOTOMETRIC_MINISWHITE;
  for (std::int64_t y = part.y; y < part.bottom(); ++y) {
    const auto* src = b.data + static_cast<std::uint64_t>(y - b.y) * b.row_bytes;
    auto* dst = out.row(y - out_y) + static_cast<std::size_t>(part.x - out_x) * out.bands;
    for (std::int64_t x = 0; x < part.w; ++x)
      for (int k = 0; k < s.count && s.first_band + k < out.bands; ++k) {
        const auto i = static_cast<std::uint64_t>((part.x - b.x + x) * s.count + k);
        const std::uint32_t v = packed_sample(src, i, d.bits) * 255 / max;
        dst[x * out.bands + s.first_band + k] = static_cast<std::uint8_t>(invert ? 255 - v : v);
      }
  }
}

void copy_palette(const TiffDirectory& d, const DecodedBlock& b, const Rect& part,
                  std::int64_t out_x, std::int64_t out_y, Raster& out) {
  const std::vector<std::uint16_t>& map = *d.colour_map;
  const std::size_t n = map.size() / 3;
  for (std::int64_t y = part.y; y < part.bottom(); ++y) {
    const auto* src = b.data + static_cast<std::uint64_t>(y - b.y) * b.row_bytes;
    auto* dst = out.row(y - out_y) + static_cast<std::size_t>(part.x - out_x) * 3;
    for (std::int64_t x = 0; x < part.w; ++x) {
      const std::size_t i = std::min<std::size_t>(
          packed_sample(src, static_cast<std::uint64_t>(part.x - b.x + x), d.bits), n - 1);
      for (int c = 0; c < 3; ++c) dst[x * 3 + c] = static_cast<std::uint8_t>(map[c * n + i] >> 8);
    }
  }
}

// L* is unsigned over 0..100; a* and b* are signed (CIELAB) or offset by half the range
// (ICCLAB), in units of 1 (8-bit) or 1/256 (16-bit).
float lab_value(const TiffDirectory& d, int band, std::uint32_t raw) {
  const bool wide = d.bits == 16;
  if (band == 0) return static_cast<float>(raw) * 100.0f / (wide ? 65535.0f : 255.0f);
  double v;
  if (d.photometric == PHOTOMETRIC_ICCLAB)
    v = static_cast<double>(raw) - (wide ? 32768.0 : 128.0);
  else
    v = wide ? static_cast<double>(static_cast<std::int16_t>(raw))
             : static_cast<double>(static_cast<std::int8_t>(raw));
  return static_cast<float>(wide ? v / 256.0 : v);
}

void copy_cielab(const TiffDirectory& d, const DecodedBlock& b, const Rect& part,
                 std::int64_t out_x, std::int64_t out_y, Raster& out) {
  const SampleSpan s = span(d, b.plane);
  for (std::int64_t y = part.y; y < part.bottom(); ++y) {
    const auto* src = b.data + static_cast<std::uint64_t>(y - b.y) * b.row_bytes;
    auto* dst = reinterpret_cast<float*>(out.row(y - out_y)) + (part.x - out_x) * 3;
    for (std::int64_t x = 0; x < part.w; ++x)
      for (int k = 0; k < s.count; ++k) {
        const int band = s.first_band + k;
        if (band >= 3) continue;  // extra samples
        const auto i = static_cast<std::uint64_t>((part.x - b.x + x) * s.count + k);
        dst[x * 3 + band] = lab_value(d, band, packed_sample(src, i, d.bits));
      }
  }
}

}  // namespace

SampleType decoded_type(const TiffDirectory& d) {
  switch (d.pixels) {
    case TiffPixels::cielab:
      return SampleType::f32;
    case TiffPixels::direct:
      break;
    default:
      return SampleType::u8;
  }
  if (d.sample_format == SAMPLEFORMAT_IEEEFP)
    return d.bits == 64 ? SampleType::f64 : SampleType::f32;
  const bool sint = d.sample_format == SAMPLEFORMAT_INT;
  switch (d.bits) {
    case 16:
      return sint ? SampleType::i16 : SampleType::u16;
    case 32:
      return sint ? SampleType::i32 : SampleType::u32;
    default:
      return sint ? SampleType::i8 : SampleType::u8;
  }
}

std::uint64_t block_row_bytes(const TiffDirectory& d, std::uint32_t width) {
  const std::uint64_t per_pixel =
      d.planar == PLANARCONFIG_SEPARATE && d.samples > 1 ? 1 : d.samples;
  return (static_cast<std::uint64_t>(width) * per_pixel * d.bits + 7) / 8;
}

void copy_block(const TiffDirectory& d, const DecodedBlock& block, const Rect& part,
                std::int64_t out_x, std::int64_t out_y, Raster& out) {
  switch (d.pixels) {
    case TiffPixels::direct:
      with_sample_type(
          out.type, [&](auto t) { copy_direct<decltype(t)>(d, block, part, out_x, out_y, out); });
      return;
    case TiffPixels::subbyte:
      copy_subbyte(d, block, part, out_x, out_y, out);
      return;
    case TiffPixels::palette:
      copy_palette(d, block, part, out_x, out_y, out);
      return;
    case TiffPixels::cielab:
      copy_cielab(d, block, part, out_x, out_y, out);
      return;
    case TiffPixels::rgba:
      return;  // read through copy_rgba_block
  }
}

void copy_rgba_block(const std::uint32_t* data, std::int64_t block_w, std::int64_t block_h,
                     std::int64_t block_x, std::int64_t block_y, const Rect& part,
                     std::int64_t out_x, std::int64_t out_y, Raster& out) {
  for (std::int64_t y = part.y; y < part.bottom(); ++y) {
    const std::uint32_t* src = data + (block_h - 1 - (y - block_y)) * block_w + (part.x - block_x);
    auto* dst = out.row(y - out_y) + static_cast<std::size_t>(part.x - out_x) * out.bands;
    for (std::int64_t x = 0; x < part.w; ++x) {
      const std::uint32_t p = src[x];
      dst[x * out.bands] = static_cast<std::uint8_t>(TIFFGetR(p));
      dst[x * out.bands + 1] = static_cast<std::uint8_t>(TIFFGetG(p));
      dst[x * out.bands + 2] = static_cast<std::uint8_t>(TIFFGetB(p));
      if (out.bands == 4) dst[x * out.bands + 3] = static_cast<std::uint8_t>(TIFFGetA(p));
    }
  }
}

}  // namespace tessera
