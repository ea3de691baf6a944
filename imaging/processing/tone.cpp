#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "imaging/processing.hpp"

namespace tessera {
namespace {

// NaN fails both comparisons and lands on 0.
inline float clamp01(float v) noexcept {
  return v > 0 ? (v < 1 ? v : 1.0f) : 0.0f;
}

std::span<float> samples(Raster& r) {
  if (r.type != SampleType::f32 || r.empty() || r.bands <= 0) return {};
  return {reinterpret_cast<float*>(r.data.data()),
          static_cast<std::size_t>(r.width * r.height) * static_cast<std::size_t>(r.bands)};
}

// iipsrv's log scale: log(1 + 255 v) / log(256).
constexpr double kLogExponent = 255.0;

void stretch(std::span<float> s, std::size_t bands) {
  for (std::size_t b = 0; b < bands; ++b) {
    // Written so NaN never becomes a bound (working rasters should hold none anyway).
    float lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = b; i < s.size(); i += bands) {
      lo = s[i] < lo ? s[i] : lo;
      hi = s[i] > hi ? s[i] : hi;
    }
    if (!(hi > lo)) continue;  // flat band: nothing to stretch
    const float scale = 1.0f / (hi - lo);
    for (std::size_t i = b; i < s.size(); i += bands) s[i] = clamp01((s[i] - lo) * scale);
  }
}

constexpr std::size_t kBins = 1024;

inline std::size_t bin_of(float v) noexcept {
  const float c = clamp01(v) * static_cast<float>(kBins);
  return std::min(static_cast<std::size_t>(c), kBins - 1);
}

void equalise(std::span<float> s, std::size_t bands) {
  for (std::size_t b = 0; b < bands; ++b) {
    std::array<std::uint64_t, kBins> cdf{};
    for (std::size_t i = b; i < s.size(); i += bands) ++cdf[bin_of(s[i])];
    std::size_t first = kBins;
    for (std::size_t k = 0; k < kBins; ++k) {
      if (first == kBins && cdf[k] != 0) first = k;
      if (k > 0) cdf[k] += cdf[k - 1];
    }
    if (first == kBins) return;  // no samples at all
    const std::uint64_t base = cdf[first];
    const std::uint64_t total = cdf[kBins - 1];
    if (total == base) continue;  // one occupied bin: a flat band stays as it is
    // The lowest occupied bin maps to 0, the highest to 1.
    std::array<float, kBins> map{};
    const double scale = 1.0 / static_cast<double>(total - base);
    for (std::size_t k = first; k < kBins; ++k)
      map[k] = static_cast<float>(static_cast<double>(cdf[k] - base) * scale);
    for (std::size_t i = b; i < s.size(); i += bands) s[i] = map[bin_of(s[i])];
  }
}

}  // namespace

void apply_gamma(Raster& working, const Gamma& gamma) {
  const std::span<float> s = samples(working);
  switch (gamma.mode) {
    case GammaMode::none:
      return;
    case GammaMode::power: {
      const auto e = static_cast<float>(gamma.exponent);
      for (float& v : s) v = clamp01(std::pow(clamp01(v), e));
      return;
    }
    case GammaMode::log: {
      const auto a = static_cast<float>(kLogExponent);
      const auto norm = static_cast<float>(1.0 / std::log10(1.0 + kLogExponent));
      for (float& v : s) v = clamp01(std::log10(1.0f + a * clamp01(v)) * norm);
      return;
    }
  }
}

void apply_contrast(Raster& working, const Contrast& contrast) {
  const std::span<float> s = samples(working);
  const auto bands = static_cast<std::size_t>(std::max(working.bands, 1));
  switch (contrast.mode) {
    case ContrastMode::none:
      return;
    case ContrastMode::multiply: {
      const auto f = static_cast<float>(contrast.factor);
      for (float& v : s) v = clamp01(v * f);
      return;
    }
    case ContrastMode::stretch:
      stretch(s, bands);
      return;
    case ContrastMode::equalise:
      equalise(s, bands);
      return;
  }
}

void invert(Raster& working) {
  for (float& v : samples(working)) v = clamp01(1.0f - v);
}

}  // namespace tessera
