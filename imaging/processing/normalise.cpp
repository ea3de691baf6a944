#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {
namespace {

// NaN fails both comparisons and lands on 0.
inline float clamp01(double v) noexcept {
  return v > 0 ? (v < 1 ? static_cast<float>(v) : 1.0f) : 0.0f;
}

// One output band: where it comes from and the linear map onto [0,1].
struct BandMap {
  int source = -1;  // -1: not in the input, the band stays 0
  double lo = 0;
  double scale = 0;  // 1 / (hi - lo), 0 for a flat range so everything maps to 0
  float map(double v) const noexcept { return clamp01((v - lo) * scale); }
};

std::vector<BandMap> band_maps(int in_bands, std::span<const int> bands, std::span<const double> lo,
                               std::span<const double> hi) {
  std::vector<BandMap> maps(bands.size());
  for (std::size_t k = 0; k < bands.size(); ++k) {
    BandMap& m = maps[k];
    if (bands[k] >= 0 && bands[k] < in_bands) m.source = bands[k];
    m.lo = k < lo.size() ? lo[k] : 0.0;
    const double h = k < hi.size() ? hi[k] : 1.0;
    m.scale = h != m.lo ? 1.0 / (h - m.lo) : 0.0;
  }
  return maps;
}

// 8- and 16-bit samples have few enough values to map each once: one table per output band.
template <class T>
void normalise_table(const Raster& in, const std::vector<BandMap>& maps, Raster& out) {
  constexpr std::size_t values = std::size_t{1} << (8 * sizeof(T));
  const std::size_t nb = maps.size();
  std::vector<float> table(values * nb, 0.0f);
  for (std::size_t k = 0; k < nb; ++k) {
    if (maps[k].source < 0) continue;
    for (std::size_t v = 0; v < values; ++v)
      table[k * values + v] = maps[k].map(static_cast<double>(static_cast<T>(v)));
  }
  const auto in_bands = static_cast<std::size_t>(in.bands);
  for (std::int64_t y = 0; y < in.height; ++y) {
    const auto* src = reinterpret_cast<const T*>(in.row(y));
    auto* dst = reinterpret_cast<float*>(out.row(y));
    for (std::size_t k = 0; k < nb; ++k) {
      if (maps[k].source < 0) continue;  // already 0
      const float* t = table.data() + k * values;
      const T* s = src + maps[k].source;
      float* d = dst + k;
      for (std::int64_t x = 0; x < in.width; ++x, s += in_bands, d += nb)
        *d = t[static_cast<std::make_unsigned_t<T>>(*s)];
    }
  }
}

template <class T>
void normalise_direct(const Raster& in, const std::vector<BandMap>& maps, Raster& out) {
  const std::size_t nb = maps.size();
  const auto in_bands = static_cast<std::size_t>(in.bands);
  for (std::int64_t y = 0; y < in.height; ++y) {
    const auto* src = reinterpret_cast<const T*>(in.row(y));
    auto* dst = reinterpret_cast<float*>(out.row(y));
    for (std::size_t k = 0; k < nb; ++k) {
      const BandMap m = maps[k];
      if (m.source < 0) continue;
      const T* s = src + m.source;
      float* d = dst + k;
      for (std::int64_t x = 0; x < in.width; ++x, s += in_bands, d += nb)
        *d = m.map(static_cast<double>(*s));
    }
  }
}

}  // namespace

Raster normalise(const Raster& in, std::span<const int> bands, std::span<const double> lo,
                 std::span<const double> hi) {
  const auto nb = static_cast<int>(bands.size());
  if (in.empty() || bands.empty()) return Raster(0, 0, nb, SampleType::f32);
  Raster out(in.width, in.height, nb, SampleType::f32);
  const std::vector<BandMap> maps = band_maps(in.bands, bands, lo, hi);
  const auto pixels = static_cast<std::size_t>(in.width * in.height);
  with_sample_type(in.type, [&](auto t) {
    using T = decltype(t);
    if constexpr (sizeof(T) == 1) {
      normalise_table<T>(in, maps, out);
    } else if constexpr (sizeof(T) == 2) {
      // A 65536-entry table only pays for itself over enough pixels.
      if (pixels >= (std::size_t{1} << 16))
        normalise_table<T>(in, maps, out);
      else
        normalise_direct<T>(in, maps, out);
    } else {
      normalise_direct<T>(in, maps, out);
    }
  });
  return out;
}

Raster quantise(const Raster& working, int bits) {
  if (working.type != SampleType::f32) return working;
  const bool wide = bits == 16;
  if (working.empty() || working.bands <= 0)
    return Raster(0, 0, working.bands, wide ? SampleType::u16 : SampleType::u8);
  Raster out(working.width, working.height, working.bands, wide ? SampleType::u16 : SampleType::u8);
  const std::size_t n = static_cast<std::size_t>(working.width * working.height) *
                        static_cast<std::size_t>(std::max(working.bands, 0));
  const double top = wide ? 65535.0 : 255.0;
  const auto* src = reinterpret_cast<const float*>(working.data.data());
  auto quantum = [top](float v) {
    // Clamped first (NaN -> 0), so +0.5 and truncation round half up.
    const double c = v > 0 ? (v < 1 ? v : 1.0) : 0.0;
    return c * top + 0.5;
  };
  if (wide) {
    auto* dst = reinterpret_cast<std::uint16_t*>(out.data.data());
    for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<std::uint16_t>(quantum(src[i]));
  } else {
    std::uint8_t* dst = out.data.data();
    for (std::size_t i = 0; i < n; ++i) dst[i] = static_cast<std::uint8_t>(quantum(src[i]));
  }
  return out;
}

}  // namespace tessera
