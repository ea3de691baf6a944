#include "imaging/image_source.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

namespace tessera {
namespace {

// Bounds on the memory a computed level may use per read: the source strip decoded at once, and
// the per-sample sums of the output rows being built.
constexpr std::size_t source_strip_bytes = 64u << 20;
constexpr std::size_t sum_bytes = 16u << 20;
// The most source samples one read of a computed level may average: about 18k x 18k RGB. Beyond
// it the file needs a real pyramid (decoding more per request would let one client occupy a
// worker for many seconds).
constexpr std::uint64_t max_computed_samples = 1ull << 30;
// The largest raster one read may return.
constexpr std::uint64_t max_region_bytes = 1ull << 30;

// Adds every sample of `src` (rows sy0.. of the stored level, columns from sx0) into the sums
// of the output block whose top-left source pixel is (sx0, oy0 * factor).
template <class T>
void accumulate(const Raster& src, std::int64_t sy0, std::int64_t oy0, std::int64_t factor,
                std::int64_t out_w, std::vector<double>& sums, std::vector<std::uint32_t>& counts) {
  const int bands = src.bands;
  for (std::int64_t y = 0; y < src.height; ++y) {
    const auto* row = reinterpret_cast<const T*>(src.row(y));
    const std::int64_t oy = (sy0 + y) / factor - oy0;
    for (std::int64_t x = 0; x < src.width; ++x) {
      const std::size_t o = static_cast<std::size_t>((oy * out_w + x / factor) * bands);
      for (int b = 0; b < bands; ++b) {
        const T v = row[x * bands + b];
        if constexpr (std::is_floating_point_v<T>)
          if (std::isnan(v)) continue;
        sums[o + b] += static_cast<double>(v);
        ++counts[o + b];
      }
    }
  }
}

template <class T>
void store_means(const std::vector<double>& sums, const std::vector<std::uint32_t>& counts,
                 std::uint8_t* dst) {
  auto* out = reinterpret_cast<T*>(dst);
  for (std::size_t i = 0; i < sums.size(); ++i) {
    if (counts[i] == 0) {
      out[i] = std::is_floating_point_v<T>
                   ? static_cast<T>(std::numeric_limits<double>::quiet_NaN())
                   : T{};
      continue;
    }
    const double mean = sums[i] / counts[i];
    if constexpr (std::is_floating_point_v<T>)
      out[i] = static_cast<T>(mean);
    else
      out[i] = static_cast<T>(std::llround(mean));
  }
}

}  // namespace

Result<Raster> ImageSource::read_region(std::size_t level, const Rect& region) const {
  const ImageInfo& inf = info();
  if (level >= inf.levels.size()) return make_error(Errc::internal, "pyramid level out of range");
  const LevelInfo& lv = inf.levels[level];
  if (region.empty() || intersect(region, Rect{0, 0, lv.width, lv.height}) != region)
    return make_error(Errc::internal, "region outside the pyramid level");
  if (static_cast<std::uint64_t>(region.w) * static_cast<std::uint64_t>(region.h) *
          static_cast<std::uint64_t>(inf.bands) * bytes_per_sample(inf.sample_type) >
      max_region_bytes)
    return make_error(Errc::payload_too_large, "region too large to decode at once");
  if (lv.stored) return read_stored(level, region);

  std::size_t from = level;
  while (from > 0 && !inf.levels[from].stored) --from;
  const LevelInfo& sl = inf.levels[from];
  const std::int64_t factor = std::int64_t{1} << std::min<std::size_t>(level - from, 40);

  Raster out(region.w, region.h, inf.bands, inf.sample_type);
  const std::size_t px = out.pixel_bytes();
  const std::int64_t sx0 = region.x * factor;
  const std::int64_t sx1 = std::min(region.right() * factor, sl.width);
  const auto src_row_bytes = static_cast<std::size_t>(sx1 - sx0) * px;
  const std::int64_t sy_first = region.y * factor;
  const std::int64_t sy_last = std::min(region.bottom() * factor, sl.height);
  if (static_cast<std::uint64_t>(sx1 - sx0) * static_cast<std::uint64_t>(sy_last - sy_first) *
          static_cast<std::uint64_t>(inf.bands) >
      max_computed_samples)
    return make_error(Errc::payload_too_large,
                      "this view needs too much of an image without a pyramid; "
                      "store the image as a pyramidal TIFF");
  const auto out_rows = static_cast<std::int64_t>(std::max<std::size_t>(
      1, sum_bytes / (static_cast<std::size_t>(region.w) * inf.bands * sizeof(double))));
  const auto strip_rows =
      static_cast<std::int64_t>(std::max<std::size_t>(1, source_strip_bytes / src_row_bytes));

  for (std::int64_t oy = 0; oy < region.h; oy += out_rows) {
    const std::int64_t n = std::min(out_rows, region.h - oy);
    const auto samples = static_cast<std::size_t>(n * region.w * inf.bands);
    std::vector<double> sums(samples, 0.0);
    std::vector<std::uint32_t> counts(samples, 0);
    const std::int64_t sy_end = std::min((region.y + oy + n) * factor, sl.height);
    for (std::int64_t sy = (region.y + oy) * factor; sy < sy_end; sy += strip_rows) {
      const std::int64_t rows = std::min(strip_rows, sy_end - sy);
      auto strip = read_stored(from, Rect{sx0, sy, sx1 - sx0, rows});
      if (!strip) return strip.error();
      with_sample_type(inf.sample_type, [&](auto t) {
        accumulate<decltype(t)>(*strip, sy, region.y + oy, factor, region.w, sums, counts);
      });
    }
    with_sample_type(inf.sample_type,
                     [&](auto t) { store_means<decltype(t)>(sums, counts, out.row(oy)); });
  }
  return out;
}

Result<Raster> ImageSource::read_tile(std::size_t level, std::int64_t tile_x,
                                      std::int64_t tile_y) const {
  const ImageInfo& inf = info();
  if (level >= inf.levels.size()) return make_error(Errc::internal, "pyramid level out of range");
  const LevelInfo& lv = inf.levels[level];
  const std::int64_t x0 = tile_x * lv.tile_width;
  const std::int64_t y0 = tile_y * lv.tile_height;
  if (tile_x < 0 || tile_y < 0 || x0 >= lv.width || y0 >= lv.height)
    return make_error(Errc::internal, "tile index out of range");
  return read_region(level, Rect{x0, y0, std::min<std::int64_t>(lv.tile_width, lv.width - x0),
                                 std::min<std::int64_t>(lv.tile_height, lv.height - y0)});
}

Result<StoredTile> ImageSource::read_stored_tile(std::size_t, std::int64_t, std::int64_t) const {
  return make_error(Errc::not_implemented, "this image has no stored tiles to pass through");
}

Result<std::shared_ptr<const ImageSource>> ImageSource::stack_image(std::size_t) const {
  return make_error(Errc::not_found, "no such image in the stack");
}

void add_computed_levels(ImageInfo& info) {
  if (info.levels.empty()) return;
  const LevelInfo last = info.levels.back();
  const std::int64_t tw = std::max<std::int64_t>(1, last.tile_width);
  const std::int64_t th = std::max<std::int64_t>(1, last.tile_height);
  std::int64_t w = last.width, h = last.height;
  while ((w > tw || h > th) && info.levels.size() < 64) {
    w = ceil_div(w, 2);
    h = ceil_div(h, 2);
    info.levels.push_back(LevelInfo{w, h, last.tile_width, last.tile_height, false});
  }
}

void set_type_range(ImageInfo& info) {
  double lo = 0, hi = 255;
  switch (info.sample_type) {
    case SampleType::u8:
    case SampleType::u16:
    case SampleType::u32:
      // Sub-byte samples are widened to 8 bits, and palettes expand to 8-bit RGB whatever
      // the index depth: then the type's range applies.
      hi = std::exp2(info.bits_per_sample >= 8 &&
                             info.bits_per_sample <=
                                 8 * static_cast<int>(bytes_per_sample(info.sample_type))
                         ? info.bits_per_sample
                         : 8 * static_cast<int>(bytes_per_sample(info.sample_type))) -
           1;
      break;
    case SampleType::i8:
    case SampleType::i16:
    case SampleType::i32:
      hi = std::exp2(info.bits_per_sample - 1) - 1;
      lo = -hi - 1;
      break;
    case SampleType::f32:
    case SampleType::f64:
      lo = 0;
      hi = 1;
      break;
  }
  info.min_values.assign(static_cast<std::size_t>(info.bands), lo);
  info.max_values.assign(static_cast<std::size_t>(info.bands), hi);
}

}  // namespace tessera
