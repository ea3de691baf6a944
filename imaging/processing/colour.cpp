#include <algorithm>
#include <cstdint>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {
namespace {

// NaN fails both comparisons and lands on 0.
inline float clamp01(float v) noexcept {
  return v > 0 ? (v < 1 ? v : 1.0f) : 0.0f;
}

// Rec. 601 luma weights, summed in double so equal channels give back exactly their value.
constexpr double kR = 0.299, kG = 0.587, kB = 0.114;

bool is_working(const Raster& r) {
  return r.type == SampleType::f32 && !r.empty() && r.bands > 0;
}

std::size_t pixel_count(const Raster& r) {
  return static_cast<std::size_t>(r.width * r.height);
}

const float* floats(const Raster& r) {
  return reinterpret_cast<const float*>(r.data.data());
}
float* floats(Raster& r) {
  return reinterpret_cast<float*>(r.data.data());
}

// One band: the only band, the luminance of three, else the first band.
Raster grey(const Raster& working) {
  if (working.bands == 1) return working;
  Raster out(working.width, working.height, 1, SampleType::f32);
  const float* s = floats(working);
  float* d = floats(out);
  const std::size_t n = pixel_count(working);
  const auto nb = static_cast<std::size_t>(working.bands);
  if (nb == 3) {
    for (std::size_t i = 0; i < n; ++i, s += 3)
      d[i] = clamp01(static_cast<float>(kR * s[0] + kG * s[1] + kB * s[2]));
  } else {
    for (std::size_t i = 0; i < n; ++i, s += nb) d[i] = clamp01(s[0]);
  }
  return out;
}

struct Rgb {
  float r, g, b;
};

// Three channels rising one after another over thirds: hot (R, G, B) and cold (B, G, R).
inline Rgb thirds(float v) noexcept {
  return {clamp01(3 * v), clamp01(3 * v - 1), clamp01(3 * v - 2)};
}

// MATLAB's jet: each channel a trapezoid with corners at multiples of 1/8.
inline Rgb jet(float v) noexcept {
  return {clamp01(std::min(4 * v - 1.5f, 4.5f - 4 * v)),
          clamp01(std::min(4 * v - 0.5f, 3.5f - 4 * v)),
          clamp01(std::min(4 * v + 0.5f, 2.5f - 4 * v))};
}

// One loop per map, so the choice of map is made once per raster, not per pixel.
template <class Map>
void paint(const float* s, float* d, std::size_t n, Map map) {
  for (std::size_t i = 0; i < n; ++i, d += 3) {
    const Rgb c = map(clamp01(s[i]));
    d[0] = c.r;
    d[1] = c.g;
    d[2] = c.b;
  }
}

void paint(Colormap map, const float* s, float* d, std::size_t n) {
  switch (map) {
    case Colormap::hot:
      return paint(s, d, n, thirds);
    case Colormap::cold:
      return paint(s, d, n, [](float v) {
        const Rgb t = thirds(v);
        return Rgb{t.b, t.g, t.r};
      });
    case Colormap::jet:
      return paint(s, d, n, jet);
    case Colormap::blue:
      return paint(s, d, n, [](float v) { return Rgb{0, 0, v}; });
    case Colormap::green:
      return paint(s, d, n, [](float v) { return Rgb{0, v, 0}; });
    case Colormap::red:
      return paint(s, d, n, [](float v) { return Rgb{v, 0, 0}; });
    case Colormap::none:
      return paint(s, d, n, [](float v) { return Rgb{v, v, v}; });
  }
}

}  // namespace

Raster twist(const Raster& working, const BandMatrix& m) {
  if (!is_working(working) || m.rows <= 0 || m.cols <= 0) return working;
  const auto in_b = static_cast<std::size_t>(working.bands);
  const auto out_b = static_cast<std::size_t>(m.rows);
  const auto cols = static_cast<std::size_t>(m.cols);
  // Coefficients laid out against the raster's actual bands: inputs the matrix names but the
  // raster lacks are dropped (they count as 0), bands the matrix does not name get weight 0.
  std::vector<float> c(out_b * in_b, 0.0f);
  for (std::size_t o = 0; o < out_b; ++o)
    for (std::size_t i = 0; i < std::min(cols, in_b); ++i)
      if (o * cols + i < m.coefficients.size())
        c[o * in_b + i] = static_cast<float>(m.coefficients[o * cols + i]);

  Raster out(working.width, working.height, m.rows, SampleType::f32);
  const float* s = floats(working);
  float* d = floats(out);
  const std::size_t n = pixel_count(working);
  for (std::size_t p = 0; p < n; ++p, s += in_b, d += out_b) {
    for (std::size_t o = 0; o < out_b; ++o) {
      const float* row = c.data() + o * in_b;
      float acc = 0;
      for (std::size_t i = 0; i < in_b; ++i) acc += row[i] * s[i];
      d[o] = clamp01(acc);
    }
  }
  return out;
}

Raster apply_colormap(const Raster& working, Colormap map) {
  if (map == Colormap::none || !is_working(working)) return working;
  // iipsrv maps the first band, whatever the others hold.
  const int zero[] = {0};
  const Raster first = working.bands == 1 ? working : normalise(working, zero, {}, {});
  Raster out(working.width, working.height, 3, SampleType::f32);
  paint(map, floats(first), floats(out), pixel_count(working));
  return out;
}

Raster to_grey(const Raster& working) {
  if (!is_working(working)) return working;
  return grey(working);
}

Raster to_bitonal(const Raster& working) {
  if (!is_working(working)) return working;
  Raster out = grey(working);
  for (float *v = floats(out), *end = v + pixel_count(out); v != end; ++v)
    *v = *v >= 0.5f ? 1.0f : 0.0f;
  return out;
}

}  // namespace tessera
