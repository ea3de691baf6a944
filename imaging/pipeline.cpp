#include "imaging/pipeline.hpp"

#include <cmath>
#include <cstring>
#include <optional>

#include "imaging/resample.hpp"

namespace tessera {
namespace {

// The power-of-two factor a level was made with, or the exact ratio when it is not such a level.
double level_scale(std::int64_t full, std::int64_t level) {
  const double ratio = static_cast<double>(full) / static_cast<double>(level);
  const double nominal = std::exp2(std::round(std::log2(ratio)));
  const auto n = static_cast<std::int64_t>(nominal);
  if (n >= 1 && (full / n == level || ceil_div(full, n) == level)) return nominal;
  return ratio;
}

void map_axis(std::int64_t start, std::int64_t length, std::int64_t full, std::int64_t level_size,
              double& lo, double& hi) {
  const double s = level_scale(full, level_size);
  lo = std::min(static_cast<double>(start) / s, static_cast<double>(level_size));
  hi = start + length >= full
           ? static_cast<double>(level_size)
           : std::min(static_cast<double>(start + length) / s, static_cast<double>(level_size));
}

// Output rows per strip: large outputs are cut so that every helper gets a few strips.
std::int64_t strip_rows(const View& view, const RenderSettings& settings) {
  constexpr std::int64_t parallel_from = 1 << 20;  // output pixels; tiles stay on one thread
  if (!settings.spawn || settings.helpers == 0 || view.width * view.height < parallel_from)
    return view.height;
  const std::int64_t strips = 3 * (static_cast<std::int64_t>(settings.helpers) + 1);
  return std::max<std::int64_t>(64, ceil_div(view.height, strips));
}

}  // namespace

LevelWindow map_to_level(const ImageInfo& info, std::size_t level, const Rect& region) {
  const LevelInfo& lv = info.levels[level];
  LevelWindow w;
  w.level = level;
  map_axis(region.x, region.w, info.width(), lv.width, w.left, w.right);
  map_axis(region.y, region.h, info.height(), lv.height, w.top, w.bottom);
  return w;
}

LevelWindow choose_level(const ImageInfo& info, const View& view) {
  constexpr double eps = 1e-9;
  for (std::size_t level = info.levels.size(); level-- > 1;) {
    const LevelWindow w = map_to_level(info, level, view.region);
    if (w.right - w.left + eps >= static_cast<double>(view.width) &&
        w.bottom - w.top + eps >= static_cast<double>(view.height))
      return w;
  }
  return map_to_level(info, 0, view.region);
}

Result<Raster> read_scaled(const ImageSource& source, const View& view,
                           const RenderSettings& settings) {
  const ImageInfo& info = source.info();
  if (view.width <= 0 || view.height <= 0 || view.region.empty())
    return make_error(Errc::bad_request, "empty region or size");

  const LevelWindow win = choose_level(info, view);
  const LevelInfo& lv = info.levels[win.level];
  const double scale_x = (win.right - win.left) / static_cast<double>(view.width);
  const double scale_y = (win.bottom - win.top) / static_cast<double>(view.height);
  // An axis that is an exact crop needs no margin: a viewer tile then reads only its own
  // stored tile, not its neighbours too.
  const auto margin = [&](double scale, double offset) {
    return copies_axis(scale, offset) ? 0.0 : filter_margin(scale, view.interpolation);
  };
  const double mx = margin(scale_x, win.left);
  const double my = margin(scale_y, win.top);
  // Columns: the window plus the filter's reach, clipped to the level.
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(win.left - mx)));
  const auto x1 =
      std::min<std::int64_t>(lv.width, static_cast<std::int64_t>(std::ceil(win.right + mx)));

  // Rows [r0, r1) of the output, from the source rows they need. Strips give the same pixels as
  // one pass: each reads its filter margin, and only the level's real edges are clamped.
  auto strip = [&](std::int64_t r0, std::int64_t r1) -> Result<Raster> {
    const double top = win.top + static_cast<double>(r0) * scale_y;
    const double bottom = win.top + static_cast<double>(r1) * scale_y;
    const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(top - my)));
    const auto y1 =
        std::min<std::int64_t>(lv.height, static_cast<std::int64_t>(std::ceil(bottom + my)));
    auto pixels = source.read_region(win.level, Rect{x0, y0, x1 - x0, y1 - y0});
    if (!pixels) return pixels.error();
    const SourceWindow local{win.left - static_cast<double>(x0), top - static_cast<double>(y0),
                             win.right - win.left, bottom - top};
    return resample(*pixels, local, view.width, r1 - r0, view.interpolation);
  };

  const std::int64_t rows = strip_rows(view, settings);
  if (rows >= view.height) return strip(0, view.height);

  const auto count = static_cast<std::size_t>(ceil_div(view.height, rows));
  Raster out(view.width, view.height, info.bands, info.sample_type);
  std::vector<std::optional<Error>> errors(count);

  // Strips that read their own source rows decode every stored tile row they share twice (a
  // strip's edge and filter margin fall inside a neighbour's tiles): half as much decoding
  // again for a typical export. When the whole window is of moderate size, read it once and
  // resample the strips from it in parallel; only larger windows are read strip by strip.
  const auto y_lo = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(win.top - my)));
  const auto y_hi =
      std::min<std::int64_t>(lv.height, static_cast<std::int64_t>(std::ceil(win.bottom + my)));
  const std::int64_t window_bytes = (x1 - x0) * (y_hi - y_lo) * info.bands *
                                    static_cast<std::int64_t>(bytes_per_sample(info.sample_type));
  if (window_bytes <= settings.whole_window_bytes) {
    auto whole = source.read_region(win.level, Rect{x0, y_lo, x1 - x0, y_hi - y_lo});
    if (!whole) return whole.error();
    parallel_for(count, settings.spawn, settings.helpers, [&](std::size_t s) {
      const auto r0 = static_cast<std::int64_t>(s) * rows;
      const std::int64_t r1 = std::min(view.height, r0 + rows);
      const double top = win.top + static_cast<double>(r0) * scale_y;
      const double bottom = win.top + static_cast<double>(r1) * scale_y;
      const SourceWindow local{win.left - static_cast<double>(x0), top - static_cast<double>(y_lo),
                               win.right - win.left, bottom - top};
      const Raster part = resample(*whole, local, view.width, r1 - r0, view.interpolation);
      std::memcpy(out.row(r0), part.data.data(), part.data.size());
    });
    return out;
  }

  parallel_for(count, settings.spawn, settings.helpers, [&](std::size_t s) {
    const auto r0 = static_cast<std::int64_t>(s) * rows;
    const std::int64_t r1 = std::min(view.height, r0 + rows);
    auto part = strip(r0, r1);
    if (!part) {
      errors[s] = part.error();
      return;
    }
    std::memcpy(out.row(r0), part->data.data(), part->data.size());
  });
  for (auto& e : errors)
    if (e) return *e;
  return out;
}

}  // namespace tessera
