#include "imaging/pipeline.hpp"

#include <cmath>

#include "imaging/display.hpp"
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

}  // namespace

std::string RenderSpec::canonical() const {
  return std::to_string(region.x) + "," + std::to_string(region.y) + "," +
         std::to_string(region.w) + "," + std::to_string(region.h) + "/" + std::to_string(width) +
         "," + std::to_string(height);
}

LevelWindow map_to_level(const ImageInfo& info, std::size_t level, const Rect& region) {
  const LevelInfo& lv = info.levels[level];
  LevelWindow w;
  w.level = level;
  map_axis(region.x, region.w, info.width(), lv.width, w.left, w.right);
  map_axis(region.y, region.h, info.height(), lv.height, w.top, w.bottom);
  return w;
}

LevelWindow choose_level(const ImageInfo& info, const RenderSpec& spec) {
  constexpr double eps = 1e-9;
  for (std::size_t level = info.levels.size(); level-- > 1;) {
    const LevelWindow w = map_to_level(info, level, spec.region);
    if (w.right - w.left + eps >= static_cast<double>(spec.width) &&
        w.bottom - w.top + eps >= static_cast<double>(spec.height))
      return w;
  }
  return map_to_level(info, 0, spec.region);
}

Result<Raster> render(const ImageSource& source, const RenderSpec& spec) {
  const ImageInfo& info = source.info();
  if (spec.width <= 0 || spec.height <= 0 || spec.region.empty())
    return make_error(Errc::bad_request, "empty region or size");

  const LevelWindow win = choose_level(info, spec);
  const LevelInfo& lv = info.levels[win.level];
  const double scale_x = (win.right - win.left) / static_cast<double>(spec.width);
  const double scale_y = (win.bottom - win.top) / static_cast<double>(spec.height);
  const double mx = filter_margin(scale_x);
  const double my = filter_margin(scale_y);

  // Read the window plus the filter's reach, clipped to the level.
  const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(win.left - mx)));
  const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(win.top - my)));
  const auto x1 =
      std::min<std::int64_t>(lv.width, static_cast<std::int64_t>(std::ceil(win.right + mx)));
  const auto y1 =
      std::min<std::int64_t>(lv.height, static_cast<std::int64_t>(std::ceil(win.bottom + my)));
  auto pixels = source.read_region(win.level, Rect{x0, y0, x1 - x0, y1 - y0});
  if (!pixels) return pixels.error();
  if (!is_display_ready(info)) *pixels = to_display(*pixels, info);

  const SourceWindow local{win.left - static_cast<double>(x0), win.top - static_cast<double>(y0),
                           win.right - win.left, win.bottom - win.top};
  return resample(*pixels, local, spec.width, spec.height);
}

}  // namespace tessera
