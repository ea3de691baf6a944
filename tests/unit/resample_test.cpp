#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <numbers>
#include <vector>

#include "imaging/resample.hpp"

using namespace tessera;

namespace {

constexpr SampleType kTypes[] = {SampleType::u8,  SampleType::u16, SampleType::u32,
                                 SampleType::i8,  SampleType::i16, SampleType::i32,
                                 SampleType::f32, SampleType::f64};
constexpr Interpolation kFilters[] = {Interpolation::nearest, Interpolation::bilinear,
                                      Interpolation::high_quality};

double get(const Raster& r, std::int64_t x, std::int64_t y, int b = 0) {
  return with_sample_type(r.type, [&](auto t) {
    decltype(t) v;
    const std::size_t i = static_cast<std::size_t>(x) * static_cast<std::size_t>(r.bands) +
                          static_cast<std::size_t>(b);
    std::memcpy(&v, r.row(y) + i * sizeof v, sizeof v);
    return static_cast<double>(v);
  });
}

void put(Raster& r, std::int64_t x, std::int64_t y, int b, double value) {
  with_sample_type(r.type, [&](auto t) {
    const auto v = static_cast<decltype(t)>(value);
    const std::size_t i = static_cast<std::size_t>(x) * static_cast<std::size_t>(r.bands) +
                          static_cast<std::size_t>(b);
    std::memcpy(r.row(y) + i * sizeof v, &v, sizeof v);
  });
}

Raster make(std::int64_t w, std::int64_t h, int bands, SampleType type,
            const std::function<double(std::int64_t, std::int64_t, int)>& f) {
  Raster r(w, h, bands, type);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) put(r, x, y, b, f(x, y, b));
  return r;
}

bool is_float(SampleType t) {
  return t == SampleType::f32 || t == SampleType::f64;
}

}  // namespace

TEST_CASE("resample: a ramp halved gives each pair's average, for every type", "[resample]") {
  // v = a + step * x; output i covers source [2i, 2i + 2), whose mean is a + step * (2i + 0.5).
  // Steps are even so integer results need no rounding. Band 1 runs the other way.
  struct Case {
    SampleType type;
    double a, step;
  };
  const Case cases[] = {{SampleType::u8, 3, 4},
                        {SampleType::u16, 300, 1000},
                        {SampleType::u32, 4e9, 1000},
                        {SampleType::i8, -120, 2},
                        {SampleType::i16, -30000, 900},
                        {SampleType::i32, -2e9, 1e7},
                        {SampleType::f32, -1000.5, -0.25},
                        {SampleType::f64, 1e10, 0.125}};
  for (const Case& c : cases) {
    const Raster src = make(64, 6, 2, c.type, [&](std::int64_t x, std::int64_t, int b) {
      return c.a + c.step * static_cast<double>(b == 0 ? x : 63 - x);
    });
    for (Interpolation f : {Interpolation::bilinear, Interpolation::high_quality}) {
      const Raster out = resample(src, SourceWindow{0, 0, 64, 6}, 32, 3, f);
      REQUIRE(out.type == c.type);
      REQUIRE(out.width == 32);
      REQUIRE(out.height == 3);
      // The 2-tap filter never reaches past the pair; Lanczos-3 reaches 6 source pixels.
      const std::int64_t margin = f == Interpolation::bilinear ? 0 : 3;
      for (std::int64_t y = 0; y < 3; ++y)
        for (std::int64_t i = margin; i < 32 - margin; ++i) {
          const double up = c.a + c.step * (2.0 * static_cast<double>(i) + 0.5);
          const double down = c.a + c.step * (62.5 - 2.0 * static_cast<double>(i));
          const double tol = is_float(c.type) ? std::abs(up) * 1e-6 : 0;
          INFO("type " << int(c.type) << " filter " << int(f) << " i " << i);
          CHECK(std::abs(get(out, i, y, 0) - up) <= tol);
          CHECK(std::abs(get(out, i, y, 1) - down) <= tol);
        }
    }
    // Nearest takes source pixel floor((i + 0.5) * 2) = 2i + 1.
    const Raster out = resample(src, SourceWindow{0, 0, 64, 6}, 32, 3, Interpolation::nearest);
    for (std::int64_t i = 0; i < 32; ++i) CHECK(get(out, i, 1, 0) == get(src, 2 * i + 1, 3, 0));
  }
}

TEST_CASE("resample: a vertical ramp is filtered along y", "[resample]") {
  const Raster src =
      make(3, 64, 1, SampleType::u16, [](std::int64_t, std::int64_t y, int) { return 100.0 * y; });
  const Raster out = resample(src, SourceWindow{0, 0, 3, 64}, 3, 32);
  for (std::int64_t i = 3; i < 29; ++i)
    for (std::int64_t x = 0; x < 3; ++x) CHECK(get(out, x, i) == 200.0 * i + 50);
}

TEST_CASE("resample: a flat raster stays exactly flat with every filter and type", "[resample]") {
  struct Case {
    SampleType type;
    double v0, v1;
  };
  const Case cases[] = {{SampleType::u8, 255, 77},        {SampleType::u16, 40000, 0},
                        {SampleType::u32, 4000000000, 7}, {SampleType::i8, -100, 127},
                        {SampleType::i16, -30000, 12345}, {SampleType::i32, -2000000000, 5},
                        {SampleType::f32, -1.25, 0.1},    {SampleType::f64, 0.1, -3e100}};
  const SourceWindow windows[] = {{0, 0, 50, 30}, {3.3, 1.7, 40.1, 21.9}, {-2, -3, 60, 40}};
  const std::pair<std::int64_t, std::int64_t> sizes[] = {{17, 9}, {50, 30}, {120, 80}, {7, 61}};
  for (const Case& c : cases)
    for (int bands : {1, 3, 5}) {
      const Raster flat = make(50, 30, bands, c.type, [&](std::int64_t, std::int64_t, int b) {
        return b % 2 ? c.v1 : c.v0;
      });
      for (Interpolation f : kFilters)
        for (const SourceWindow& win : windows)
          for (auto [w, h] : sizes) {
            const Raster out = resample(flat, win, w, h, f);
            REQUIRE(out.bands == bands);
            std::int64_t wrong = 0;
            for (std::int64_t y = 0; y < h; ++y)
              for (std::int64_t x = 0; x < w; ++x)
                for (int b = 0; b < bands; ++b) {
                  const double want = get(flat, 0, 0, b);  // as stored (0.1f != 0.1)
                  // f64 accumulates in f64, so it is flat to rounding only.
                  const double tol = c.type == SampleType::f64 ? std::abs(want) * 1e-14 : 0;
                  if (!(std::abs(get(out, x, y, b) - want) <= tol)) ++wrong;
                }
            INFO("type " << int(c.type) << " bands " << bands << " filter " << int(f));
            CHECK(wrong == 0);
          }
    }
}

TEST_CASE("resample: scale 1 with an integral offset is an exact copy", "[resample]") {
  for (SampleType t : kTypes) {
    const bool sign = t == SampleType::i8 || t == SampleType::i16 || t == SampleType::i32;
    const Raster src = make(20, 15, 3, t, [&](std::int64_t x, std::int64_t y, int b) {
      const double v = static_cast<double>((x * 37 + y * 11 + b * 5) % 100);
      return is_float(t) ? v * 0.37 - 11 : sign ? v - 50 : v * 2;
    });
    for (Interpolation f : kFilters) {
      INFO("type " << int(t) << " filter " << int(f));
      // Inside the source: a crop.
      const Raster crop = resample(src, SourceWindow{3, 2, 10, 8}, 10, 8, f);
      for (std::int64_t y = 0; y < 8; ++y)
        CHECK(std::memcmp(crop.row(y), src.row(y + 2) + 3 * src.pixel_bytes(), crop.row_bytes()) ==
              0);
      // Partly outside: still a copy, with the edge repeated.
      const Raster out = resample(src, SourceWindow{-2, -1, 20, 15}, 20, 15, f);
      int wrong = 0;
      for (std::int64_t y = 0; y < 15; ++y)
        for (std::int64_t x = 0; x < 20; ++x)
          for (int b = 0; b < 3; ++b)
            if (get(out, x, y, b) !=
                get(src, std::max<std::int64_t>(0, x - 2), std::max<std::int64_t>(0, y - 1), b))
              ++wrong;
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("resample: nearest takes the sample under each output centre", "[resample]") {
  const Raster src =
      make(10, 1, 1, SampleType::u8, [](std::int64_t x, std::int64_t, int) { return 10.0 * x; });
  // Reduce by 2.5: centres at 1.25, 3.75, 6.25, 8.75.
  const Raster a = resample(src, SourceWindow{0, 0, 10, 1}, 4, 1, Interpolation::nearest);
  const int want_a[] = {10, 30, 60, 80};
  for (int i = 0; i < 4; ++i) CHECK(get(a, i, 0) == want_a[i]);
  // Enlarge [2, 5) to 7: centres at 2 + (i + 0.5) * 3 / 7.
  const Raster b = resample(src, SourceWindow{2, 0, 3, 1}, 7, 1, Interpolation::nearest);
  const int want_b[] = {20, 20, 30, 30, 30, 40, 40};
  for (int i = 0; i < 7; ++i) CHECK(get(b, i, 0) == want_b[i]);
  // NaN is copied like any other value.
  Raster f(4, 4, 1, SampleType::f32);
  put(f, 1, 1, 0, std::numeric_limits<double>::quiet_NaN());
  const Raster g = resample(f, SourceWindow{0, 0, 4, 4}, 2, 2, Interpolation::nearest);
  CHECK(std::isnan(get(g, 0, 0)));
  CHECK(get(g, 1, 1) == 0);
}

TEST_CASE("resample: bilinear at 2x interpolates linearly", "[resample]") {
  // Output i maps to source position 0.5 i - 0.25 (pixel-centre units), clamped to [0, 1].
  const Raster f = make(2, 2, 1, SampleType::f32,
                        [](std::int64_t x, std::int64_t y, int) { return 10.0 * x + 20.0 * y; });
  const Raster out = resample(f, SourceWindow{0, 0, 2, 2}, 4, 4, Interpolation::bilinear);
  const double u[] = {0, 0.25, 0.75, 1};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) CHECK(get(out, x, y) == Approx(10 * u[x] + 20 * u[y]));

  // In u8, 2.5 rounds to 3, 7.5 to 8 and so on.
  const Raster ramp =
      make(4, 1, 1, SampleType::u8, [](std::int64_t x, std::int64_t, int) { return 10.0 * x; });
  const Raster r = resample(ramp, SourceWindow{0, 0, 4, 1}, 8, 1, Interpolation::bilinear);
  const int want[] = {0, 3, 8, 13, 18, 23, 28, 30};
  for (int i = 0; i < 8; ++i) CHECK(get(r, i, 0) == want[i]);
}

TEST_CASE("resample: Lanczos overshoot is clamped for integers and kept for floats", "[resample]") {
  struct Case {
    SampleType type;
    double lo, hi;
  };
  for (const Case& c : {Case{SampleType::u8, 0, 255}, Case{SampleType::i8, -128, 127},
                        Case{SampleType::u16, 0, 65535}}) {
    const auto step = [&](std::int64_t x, std::int64_t, int) { return x < 8 ? c.lo : c.hi; };
    const Raster ints = make(16, 2, 1, c.type, step);
    const Raster floats = make(16, 2, 1, SampleType::f32, step);
    const Raster a = resample(ints, SourceWindow{0, 0, 16, 2}, 64, 2);
    const Raster b = resample(floats, SourceWindow{0, 0, 16, 2}, 64, 2);
    double below = 0, above = 0;
    for (std::int64_t x = 0; x < 64; ++x) {
      const double v = get(b, x, 1), got = get(a, x, 1);
      below = std::max(below, c.lo - v);
      above = std::max(above, v - c.hi);
      INFO("type " << int(c.type) << " x " << x << " float " << v << " int " << got);
      if (v <= c.lo) CHECK(got == c.lo);
      if (v >= c.hi) CHECK(got == c.hi);
      if (v > c.lo && v < c.hi) CHECK(std::abs(got - v) <= 0.5 + 1e-3);
    }
    // Lanczos-3 rings by several percent of the step on both sides.
    CHECK(below > 0.03 * (c.hi - c.lo));
    CHECK(above > 0.03 * (c.hi - c.lo));
  }
}

TEST_CASE("resample: NaN in a float raster stays local and does not crash", "[resample]") {
  Raster f = make(40, 40, 1, SampleType::f32, [](std::int64_t, std::int64_t, int) { return 1; });
  put(f, 20, 20, 0, std::numeric_limits<double>::quiet_NaN());
  for (Interpolation filter : kFilters) {
    const Raster out = resample(f, SourceWindow{0, 0, 40, 40}, 13, 13, filter);
    CHECK(get(out, 1, 1) == 1);
    CHECK(get(out, 12, 0) == 1);
  }
  // Integers never see NaN, but an empty or degenerate request must not fail either.
  const Raster u8 =
      make(5, 5, 1, SampleType::u8, [](std::int64_t, std::int64_t, int) { return 9; });
  CHECK(resample(u8, SourceWindow{0, 0, 5, 5}, 0, 3).empty());
  CHECK(get(resample(u8, SourceWindow{0, 0, 0, 0}, 2, 2), 1, 1) == 9);
  CHECK(get(resample(u8, SourceWindow{-1e300, 1e300, 5, 5}, 2, 2), 1, 1) == 9);
  CHECK(get(resample(u8, SourceWindow{-1e300, 1e300, 5, 5}, 5, 5), 4, 4) == 9);
}

TEST_CASE("resample: filter_margin covers every tap the filter reads", "[resample]") {
  CHECK(filter_margin(3, Interpolation::nearest) == 1);
  CHECK(filter_margin(3, Interpolation::bilinear) == 2);
  CHECK(filter_margin(0.5) == 4);
  CHECK(filter_margin(2.5, Interpolation::high_quality) == 8.5);

  // Resampling only the window plus the margin must match resampling the whole source.
  const Raster src = make(300, 200, 1, SampleType::f64, [](std::int64_t x, std::int64_t y, int) {
    return std::sin(0.3 * x) * std::cos(0.17 * y) + 0.001 * x * y;
  });
  const SourceWindow win{50.3, 60.7, 180.4, 70.2};
  for (Interpolation f : kFilters)
    for (auto [w, h] : {std::pair{23, 31}, {400, 150}, {61, 7}}) {
      const double mx = filter_margin(win.width / w, f), my = filter_margin(win.height / h, f);
      const auto x0 = static_cast<std::int64_t>(std::floor(win.left - mx));
      const auto y0 = static_cast<std::int64_t>(std::floor(win.top - my));
      const auto x1 = static_cast<std::int64_t>(std::ceil(win.left + win.width + mx));
      const auto y1 = static_cast<std::int64_t>(std::ceil(win.top + win.height + my));
      Raster part(x1 - x0, y1 - y0, 1, SampleType::f64);
      for (std::int64_t y = y0; y < y1; ++y)
        for (std::int64_t x = x0; x < x1; ++x) put(part, x - x0, y - y0, 0, get(src, x, y));
      const Raster whole = resample(src, win, w, h, f);
      const Raster local =
          resample(part, SourceWindow{win.left - x0, win.top - y0, win.width, win.height}, w, h, f);
      double worst = 0;
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t x = 0; x < w; ++x)
          worst = std::max(worst, std::abs(get(whole, x, y) - get(local, x, y)));
      INFO("filter " << int(f) << " " << w << "x" << h);
      CHECK(worst < 1e-9);
    }
}

namespace {

// A zone plate: phase k r^2 has local frequency 2 k r radians per pixel, near Nyquist (0.95 pi)
// at the corners of the 1024 x 1024 plate.
constexpr std::int64_t kPlate = 1024;
const double kChirp = 0.95 * std::numbers::pi / (2 * std::hypot(512.0, 512.0));

double zone(double px, double py) {  // at a continuous position; pixel x spans [x, x + 1)
  const double dx = px - 512, dy = py - 512;
  return 127.5 + 127.5 * std::cos(kChirp * (dx * dx + dy * dy));
}

double sinc(double x) {
  return x == 0 ? 1 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x);
}

// The reference resampler: a direct sum over the 2-D footprint of Lanczos-3 widened by `scale`,
// normalised by the footprint's total weight, with the edge repeated. Double precision.
double reference(const Raster& src, double scale, std::int64_t ox, std::int64_t oy) {
  const double cx = (ox + 0.5) * scale, cy = (oy + 0.5) * scale, s = std::max(1.0, scale);
  const auto x0 = static_cast<std::int64_t>(std::floor(cx - 3 * s));
  const auto y0 = static_cast<std::int64_t>(std::floor(cy - 3 * s));
  const auto n = static_cast<std::int64_t>(std::ceil(6 * s)) + 2;
  std::vector<double> wx(n), wy(n);
  for (std::int64_t k = 0; k < n; ++k) {
    const double dx = (x0 + k + 0.5 - cx) / s, dy = (y0 + k + 0.5 - cy) / s;
    wx[k] = std::abs(dx) < 3 ? sinc(dx) * sinc(dx / 3) : 0;
    wy[k] = std::abs(dy) < 3 ? sinc(dy) * sinc(dy / 3) : 0;
  }
  double sum = 0, total = 0;
  for (std::int64_t j = 0; j < n; ++j)
    for (std::int64_t i = 0; i < n; ++i) {
      const double w = wx[i] * wy[j];
      const auto x = std::clamp<std::int64_t>(x0 + i, 0, src.width - 1);
      const auto y = std::clamp<std::int64_t>(y0 + j, 0, src.height - 1);
      sum += w * src.row(y)[x];
      total += w;
    }
  return sum / total;
}

struct Stats {
  double n = 0, sum = 0, squares = 0;
  void add(double v) { n += 1, sum += v, squares += v * v; }
  double mean() const { return sum / n; }
  double stddev() const { return std::sqrt(std::max(0.0, squares / n - mean() * mean())); }
};

}  // namespace

TEST_CASE("resample: a zone plate reduced with the high-quality filter does not alias",
          "[resample][zoneplate]") {
  Raster plate(kPlate, kPlate, 1);
  for (std::int64_t y = 0; y < kPlate; ++y)
    for (std::int64_t x = 0; x < kPlate; ++x)
      plate.row(y)[x] = static_cast<std::uint8_t>(std::lround(zone(x + 0.5, y + 0.5)));
  const SourceWindow all{0, 0, kPlate, kPlate};

  for (double reduction : {4.0, 3.3}) {
    const auto n = static_cast<std::int64_t>(std::lround(kPlate / reduction));
    const double scale = static_cast<double>(kPlate) / static_cast<double>(n);
    const Raster hq = resample(plate, all, n, n, Interpolation::high_quality);
    const Raster nn = resample(plate, all, n, n, Interpolation::nearest);
    const Raster bl = resample(plate, all, n, n, Interpolation::bilinear);

    // (a) The same kernel evaluated directly: only rounding and clamping (the kernel overshoots
    // a little near the plate's extremes) to u8 should differ.
    double squared = 0, worst = 0;
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const double d = hq.row(y)[x] - std::clamp(reference(plate, scale, x, y), 0.0, 255.0);
        squared += d * d;
        worst = std::max(worst, std::abs(d));
      }
    const double psnr = 10 * std::log10(255.0 * 255.0 * n * n / squared);

    // (b) Where a frequency component of the plate exceeds 1.5 times the output's Nyquist
    // (pi / scale), a low-pass filter leaves mid-grey; point sampling leaves false rings.
    const double nyquist_at = std::numbers::pi / scale / (2 * kChirp);  // |dx| or |dy| there
    const double far = 512 - 3 * scale - 8;                             // clear of the edges
    Stats ring_hq, ring_nn, ring_bl;
    // (c) Where the plate is smooth (under 0.3 of the output's Nyquist), it is reproduced.
    double inner_worst = 0;
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const double cx = (x + 0.5) * scale, cy = (y + 0.5) * scale;
        const double d = std::max(std::abs(cx - 512), std::abs(cy - 512));
        if (d >= 1.5 * nyquist_at && d <= far) {
          ring_hq.add(hq.row(y)[x]);
          ring_nn.add(nn.row(y)[x]);
          ring_bl.add(bl.row(y)[x]);
        }
        if (std::hypot(cx - 512, cy - 512) < 0.3 * nyquist_at)
          inner_worst = std::max(inner_worst, std::abs(hq.row(y)[x] - zone(cx, cy)));
      }
    INFO("reduction " << reduction << ": PSNR " << psnr << " dB, worst " << worst << "; ring of "
                      << ring_hq.n << " pixels: stddev hq " << ring_hq.stddev() << " (mean "
                      << ring_hq.mean() << "), nearest " << ring_nn.stddev() << ", bilinear "
                      << ring_bl.stddev() << "; inner worst " << inner_worst);
    CHECK(psnr > 50);
    CHECK(worst < 0.52);
    CHECK(ring_hq.n > 1000);
    CHECK(ring_hq.stddev() < 2);
    CHECK(std::abs(ring_hq.mean() - 127.5) < 1);
    CHECK(ring_nn.stddev() > 40);
    CHECK(ring_bl.stddev() > 30);
    CHECK(inner_worst < 3);
  }
}
