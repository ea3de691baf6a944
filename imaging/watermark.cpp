#include "imaging/watermark.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "imaging/display.hpp"
#include "imaging/engine.hpp"

namespace tessera {
namespace {

std::mt19937& random_engine() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return engine;
}

template <class T>
void blend(Raster& out, const Raster& colour, const std::vector<float>& alpha, double opacity,
           std::int64_t x0, std::int64_t y0) {
  const double max = static_cast<double>(std::numeric_limits<T>::max());
  const int out_colour = out.bands >= 3 ? 3 : 1;
  const std::int64_t w = std::min(colour.width, out.width - x0);
  const std::int64_t h = std::min(colour.height, out.height - y0);
  const auto* wm = reinterpret_cast<const float*>(colour.data.data());
  for (std::int64_t y = 0; y < h; ++y) {
    T* row = reinterpret_cast<T*>(out.row(y0 + y)) + x0 * out.bands;
    for (std::int64_t x = 0; x < w; ++x) {
      const std::size_t i = static_cast<std::size_t>(y * colour.width + x);
      const double a = opacity * (alpha.empty() ? 1.0 : alpha[i]);
      if (a <= 0) continue;
      const float* px = wm + i * static_cast<std::size_t>(colour.bands);
      for (int b = 0; b < out_colour; ++b) {
        double v;  // the watermark's value for this output band
        if (colour.bands == 1)
          v = px[0];
        else if (out_colour == 3)
          v = px[b];
        else
          v = 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2];
        T& s = row[x * out.bands + b];
        s = static_cast<T>(std::lround(static_cast<double>(s) * (1 - a) + v * max * a));
      }
    }
  }
}

}  // namespace

Watermark::Watermark(Raster colour, std::vector<float> alpha, double opacity, double probability)
    : colour_(std::move(colour)),
      alpha_(std::move(alpha)),
      opacity_(std::clamp(opacity, 0.0, 1.0)),
      probability_(std::clamp(probability, 0.0, 1.0)) {}

Result<std::shared_ptr<const Watermark>> Watermark::load(const std::filesystem::path& path,
                                                         double opacity, double probability) {
  auto source = open_image(path);
  if (!source) return source.error();
  const ImageInfo& info = (*source)->info();
  if (info.width() > 4096 || info.height() > 4096)
    return make_error(Errc::bad_request, "watermark images are limited to 4096 pixels a side");
  auto pixels = (*source)->read_region(0, Rect{0, 0, info.width(), info.height()});
  if (!pixels) return pixels.error();
  if (info.colour == ColourSpace::cielab)
    return make_error(Errc::not_implemented, "CIELAB watermarks are not supported");

  std::vector<double> lo, hi;
  band_ranges(info, {}, lo, hi);
  Raster working = normalise_bands(*pixels, colour_bands(info), lo, hi);
  std::vector<float> alpha;
  if (const int a = alpha_band(info); a >= 0) {
    const Raster plane = normalise_bands(*pixels, {a}, lo, hi);
    const auto* p = reinterpret_cast<const float*>(plane.data.data());
    alpha.assign(p, p + plane.width * plane.height);
  }
  return std::make_shared<const Watermark>(std::move(working), std::move(alpha), opacity,
                                           probability);
}

void Watermark::apply(Raster& out) const {
  auto& rng = random_engine();
  if (probability_ < 1 && std::uniform_real_distribution<double>(0, 1)(rng) >= probability_) return;
  const std::int64_t room_x = std::max<std::int64_t>(0, out.width - colour_.width);
  const std::int64_t room_y = std::max<std::int64_t>(0, out.height - colour_.height);
  const auto x = std::uniform_int_distribution<std::int64_t>(0, room_x)(rng);
  const auto y = std::uniform_int_distribution<std::int64_t>(0, room_y)(rng);
  apply_at(out, x, y);
}

void Watermark::apply_at(Raster& out, std::int64_t x, std::int64_t y) const {
  if (x < 0 || y < 0 || x >= out.width || y >= out.height || opacity_ <= 0) return;
  if (out.type == SampleType::u8)
    blend<std::uint8_t>(out, colour_, alpha_, opacity_, x, y);
  else if (out.type == SampleType::u16)
    blend<std::uint16_t>(out, colour_, alpha_, opacity_, x, y);
}

}  // namespace tessera
