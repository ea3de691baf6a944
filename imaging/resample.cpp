#include "imaging/resample.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <type_traits>
#include <vector>

namespace tessera {
namespace {

constexpr double kLobes = 3;  // Lanczos-3

double lanczos(double x) noexcept {
  x = std::abs(x);
  if (x >= kLobes) return 0;
  if (x < 1e-12) return 1;
  const double px = std::numbers::pi * x;
  return kLobes * std::sin(px) * std::sin(px / kLobes) / (px * px);
}

double triangle(double x) noexcept {
  x = std::abs(x);
  return x < 1 ? 1 - x : 0;
}

bool is_integral(double v) noexcept {
  return std::abs(v - std::round(v)) < 1e-9;
}

}  // namespace

bool copies_axis(double scale, double offset) noexcept {
  return std::abs(scale - 1) < 1e-9 && is_integral(offset);
}

namespace {

// The source samples, and their weights, that make each output sample along one axis: output i
// reads count[i] samples from first[i], weighted by weights[i * taps ...].
template <class W>
struct Axis {
  std::vector<std::int64_t> first;
  std::vector<int> count;
  std::vector<W> weights;
  std::size_t taps = 1;
  std::int64_t lo = 0, hi = 0;  // every output reads within [lo, hi)
};

// Weights for `out` samples covering [start, start + length) of a `size`-long source axis, in
// continuous coordinates where source sample j covers [j, j + 1).
template <class W>
Axis<W> make_axis(double start, double length, std::int64_t out, std::int64_t size,
                  Interpolation filter) {
  Axis<W> a;
  const auto n = static_cast<std::size_t>(out);
  a.first.resize(n);
  a.count.assign(n, 1);
  const double scale = length / static_cast<double>(out);
  const bool shift = copies_axis(scale, start);
  const auto at = [&](std::size_t i) { return start + (static_cast<double>(i) + 0.5) * scale; };

  if (shift || filter == Interpolation::nearest) {
    // One tap of weight 1: a shifted copy stays exact for every filter.
    // Clamped so the cast is defined; beyond that range every index is clamped to the edge.
    const auto offset = static_cast<std::int64_t>(
        std::round(std::clamp(start, -static_cast<double>(out) - 1, static_cast<double>(size))));
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t j = shift ? offset + static_cast<std::int64_t>(i)
                                   : static_cast<std::int64_t>(std::floor(
                                         std::clamp(at(i), -1.0, static_cast<double>(size))));
      a.first[i] = std::clamp<std::int64_t>(j, 0, size - 1);
    }
    a.weights.assign(n, W(1));
  } else {
    const bool hq = filter == Interpolation::high_quality;
    // Stretching the kernel when reducing makes it a low-pass filter at the output's Nyquist.
    const double stretch = hq ? std::max(1.0, scale) : 1.0;
    const double support = (hq ? kLobes : 1.0) * stretch;
    const auto span = static_cast<std::int64_t>(std::ceil(2 * support)) + 1;
    // Taps are clamped into the source, so no output needs more than `size` weights.
    a.taps = static_cast<std::size_t>(std::min(span, size));
    a.weights.assign(n * a.taps, W(0));
    std::vector<double> w(a.taps);
    const double far = static_cast<double>(size) + support + 1;
    for (std::size_t i = 0; i < n; ++i) {
      // Far outside the source every tap lands on the edge anyway; clamping keeps casts defined.
      const double centre = std::clamp(at(i), -support - 1, far);
      const auto lo = static_cast<std::int64_t>(std::ceil(centre - support - 0.5));
      const auto hi =
          std::min(lo + span - 1, static_cast<std::int64_t>(std::floor(centre + support - 0.5)));
      // Taps beyond the edge add their weight to the edge sample: edge repetition.
      std::int64_t first = std::clamp<std::int64_t>(lo, 0, size - 1);
      std::int64_t last = std::clamp<std::int64_t>(hi, 0, size - 1);
      std::fill(w.begin(), w.end(), 0.0);
      double total = 0;
      for (std::int64_t j = lo; j <= hi; ++j) {
        const double d = (static_cast<double>(j) + 0.5 - centre) / stretch;
        const double v = hq ? lanczos(d) : triangle(d);
        w[static_cast<std::size_t>(std::clamp<std::int64_t>(j, 0, size - 1) - first)] += v;
        total += v;
      }
      std::size_t skip = 0;
      while (first < last && w[skip] == 0) ++first, ++skip;
      while (last > first && w[static_cast<std::size_t>(last - first) + skip] == 0) --last;
      if (!(total > 1e-12)) {  // cannot happen for these kernels; fall back to point sampling
        first = last =
            std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(centre)), 0, size - 1);
        w.assign(a.taps, 0.0);
        w[0] = total = 1;
        skip = 0;
      }
      a.first[i] = first;
      a.count[i] = static_cast<int>(last - first + 1);
      W* dst = a.weights.data() + i * a.taps;
      for (int k = 0; k < a.count[i]; ++k)
        dst[k] = static_cast<W>(w[skip + static_cast<std::size_t>(k)] / total);
    }
  }
  a.lo = size;
  for (std::size_t i = 0; i < n; ++i) {
    a.lo = std::min(a.lo, a.first[i]);
    a.hi = std::max(a.hi, a.first[i] + a.count[i]);
  }
  return a;
}

// Weighted sum of output row y's source rows, over `n` samples from column `col`, into acc.
// Blocks of columns keep acc in L1 while the taps stream past.
template <class T, class Acc>
void vertical(const Raster& src, const Axis<Acc>& rows, std::size_t y, std::int64_t col,
              std::size_t n, Acc* acc) {
  const Acc* w = rows.weights.data() + y * rows.taps;
  const int count = rows.count[y];
  const std::size_t offset = static_cast<std::size_t>(col) * static_cast<std::size_t>(src.bands);
  const auto line = [&](int k) {
    return reinterpret_cast<const T*>(src.row(rows.first[y] + k)) + offset;
  };
  constexpr std::size_t kBlock = 2048;
  for (std::size_t b = 0; b < n; b += kBlock) {
    const std::size_t len = std::min(kBlock, n - b);
    Acc* __restrict out = acc + b;
    const T* __restrict s0 = line(0) + b;
    const Acc w0 = w[0];
    for (std::size_t i = 0; i < len; ++i) out[i] = w0 * static_cast<Acc>(s0[i]);
    int k = 1;
    for (; k + 1 < count; k += 2) {
      const T* __restrict s1 = line(k) + b;
      const T* __restrict s2 = line(k + 1) + b;
      const Acc w1 = w[k], w2 = w[k + 1];
      for (std::size_t i = 0; i < len; ++i)
        out[i] += w1 * static_cast<Acc>(s1[i]) + w2 * static_cast<Acc>(s2[i]);
    }
    if (k < count) {
      const T* __restrict s1 = line(k) + b;
      const Acc w1 = w[k];
      for (std::size_t i = 0; i < len; ++i) out[i] += w1 * static_cast<Acc>(s1[i]);
    }
  }
}

// Filters one vertically filtered row (starting at source column `col`) into an output row.
// B is the band count, or 0 for "given at run time".
template <class T, class Acc, int B>
void horizontal(const Acc* in, const Axis<Acc>& cols, std::int64_t col, int bands, T* out,
                std::size_t out_w) {
  const std::size_t nb = B ? static_cast<std::size_t>(B) : static_cast<std::size_t>(bands);
  for (std::size_t x = 0; x < out_w; ++x) {
    const Acc* w = cols.weights.data() + x * cols.taps;
    const Acc* p = in + static_cast<std::size_t>(cols.first[x] - col) * nb;
    const auto count = static_cast<std::size_t>(cols.count[x]);
    T* o = out + x * nb;
    if constexpr (B > 0) {
      Acc s[B];
      for (int b = 0; b < B; ++b) s[b] = w[0] * p[b];
      for (std::size_t k = 1; k < count; ++k)
        for (int b = 0; b < B; ++b) s[b] += w[k] * p[k * B + static_cast<std::size_t>(b)];
      for (int b = 0; b < B; ++b) o[b] = saturate_round<T>(s[b]);
    } else {
      for (std::size_t b = 0; b < nb; ++b) {
        Acc s = w[0] * p[b];
        for (std::size_t k = 1; k < count; ++k) s += w[k] * p[k * nb + b];
        o[b] = saturate_round<T>(s);
      }
    }
  }
}

// Vertical pass first, one output row at a time: when reducing, the larger share of the work is
// then the contiguous (vectorisable) pass, and memory stays one source row of accumulators.
template <class T>
void convolve(const Raster& src, const SourceWindow& win, Interpolation f, Raster& out) {
  // Float accumulation is exact enough for 8 and 16 bits; wider types need double (f32 too, so
  // a flat f32 raster stays exactly flat after rounding back).
  using Acc = std::conditional_t<(sizeof(T) >= 4), double, float>;
  const auto cols = make_axis<Acc>(win.left, win.width, out.width, src.width, f);
  const auto rows = make_axis<Acc>(win.top, win.height, out.height, src.height, f);
  const std::size_t n =
      static_cast<std::size_t>(cols.hi - cols.lo) * static_cast<std::size_t>(src.bands);
  std::vector<Acc> acc(n);
  const auto out_w = static_cast<std::size_t>(out.width);
  for (std::int64_t y = 0; y < out.height; ++y) {
    vertical<T, Acc>(src, rows, static_cast<std::size_t>(y), cols.lo, n, acc.data());
    T* o = reinterpret_cast<T*>(out.row(y));
    switch (src.bands) {
      case 1:
        horizontal<T, Acc, 1>(acc.data(), cols, cols.lo, 1, o, out_w);
        break;
      case 2:
        horizontal<T, Acc, 2>(acc.data(), cols, cols.lo, 2, o, out_w);
        break;
      case 3:
        horizontal<T, Acc, 3>(acc.data(), cols, cols.lo, 3, o, out_w);
        break;
      case 4:
        horizontal<T, Acc, 4>(acc.data(), cols, cols.lo, 4, o, out_w);
        break;
      default:
        horizontal<T, Acc, 0>(acc.data(), cols, cols.lo, src.bands, o, out_w);
    }
  }
}

template <std::size_t P>
void gather(const std::uint8_t* in, const std::vector<std::int64_t>& index, std::uint8_t* out,
            std::size_t p) {
  const std::size_t size = P ? P : p;
  for (std::size_t i = 0; i < index.size(); ++i)
    std::memcpy(out + i * size, in + static_cast<std::size_t>(index[i]) * size, size);
}

// Point sampling copies whole pixels, whatever their type.
void nearest(const Raster& src, const SourceWindow& win, Raster& out) {
  const auto cols =
      make_axis<float>(win.left, win.width, out.width, src.width, Interpolation::nearest);
  const auto rows =
      make_axis<float>(win.top, win.height, out.height, src.height, Interpolation::nearest);
  const std::size_t p = src.pixel_bytes();
  for (std::int64_t y = 0; y < out.height; ++y) {
    const auto i = static_cast<std::size_t>(y);
    if (y > 0 && rows.first[i] == rows.first[i - 1]) {  // enlarging repeats rows
      std::memcpy(out.row(y), out.row(y - 1), out.row_bytes());
      continue;
    }
    const std::uint8_t* in = src.row(rows.first[i]);
    switch (p) {
      case 1:
        gather<1>(in, cols.first, out.row(y), p);
        break;
      case 2:
        gather<2>(in, cols.first, out.row(y), p);
        break;
      case 3:
        gather<3>(in, cols.first, out.row(y), p);
        break;
      case 4:
        gather<4>(in, cols.first, out.row(y), p);
        break;
      case 6:
        gather<6>(in, cols.first, out.row(y), p);
        break;
      case 8:
        gather<8>(in, cols.first, out.row(y), p);
        break;
      default:
        gather<0>(in, cols.first, out.row(y), p);
    }
  }
}

}  // namespace

double filter_margin(double scale, Interpolation filter) noexcept {
  switch (filter) {
    case Interpolation::nearest:
      return 1;
    case Interpolation::bilinear:
      return 2;
    case Interpolation::high_quality:
      break;
  }
  return kLobes * std::max(1.0, scale) + 1;
}

Raster resample(const Raster& src, const SourceWindow& win, std::int64_t out_w, std::int64_t out_h,
                Interpolation filter) {
  Raster out(std::max<std::int64_t>(0, out_w), std::max<std::int64_t>(0, out_h), src.bands,
             src.type);
  const bool finite = std::isfinite(win.left) && std::isfinite(win.top) &&
                      std::isfinite(win.width) && std::isfinite(win.height);
  if (out.empty() || src.empty() || src.bands <= 0 || !finite) return out;

  // A pure crop when no scaling is needed: keeps stored pixels exact, and is fast.
  if (is_integral(win.left) && is_integral(win.top) &&
      std::abs(win.width - static_cast<double>(out_w)) < 1e-9 &&
      std::abs(win.height - static_cast<double>(out_h)) < 1e-9 && win.left > -0.5 &&
      win.top > -0.5 && win.left + win.width < static_cast<double>(src.width) + 0.5 &&
      win.top + win.height < static_cast<double>(src.height) + 0.5) {
    const auto x = static_cast<std::int64_t>(std::round(win.left));
    const auto y = static_cast<std::int64_t>(std::round(win.top));
    if (x >= 0 && y >= 0 && x + out_w <= src.width && y + out_h <= src.height) {
      const std::size_t skip = static_cast<std::size_t>(x) * src.pixel_bytes();
      for (std::int64_t row = 0; row < out_h; ++row)
        std::memcpy(out.row(row), src.row(y + row) + skip, out.row_bytes());
      return out;
    }
  }

  if (filter == Interpolation::nearest) {
    nearest(src, win, out);
  } else {
    with_sample_type(src.type, [&](auto t) { convolve<decltype(t)>(src, win, filter, out); });
  }
  return out;
}

}  // namespace tessera
