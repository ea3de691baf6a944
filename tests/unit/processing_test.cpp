#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numbers>
#include <vector>

#include "imaging/processing.hpp"

using namespace tessera;

namespace {

template <class T>
Raster make(std::int64_t w, std::int64_t h, int bands, SampleType type, const std::vector<T>& v) {
  Raster r(w, h, bands, type);
  REQUIRE(v.size() * sizeof(T) == r.data.size());
  std::memcpy(r.data.data(), v.data(), r.data.size());
  return r;
}

Raster working(std::int64_t w, std::int64_t h, int bands, const std::vector<float>& v) {
  return make(w, h, bands, SampleType::f32, v);
}

// A working raster of one value everywhere.
Raster constant(std::int64_t w, std::int64_t h, int bands, float value) {
  return working(w, h, bands, std::vector<float>(static_cast<std::size_t>(w * h * bands), value));
}

template <class T = float>
T at(const Raster& r, std::int64_t x, std::int64_t y, int band = 0) {
  T v;
  std::memcpy(&v, r.data.data() + ((y * r.width + x) * r.bands + band) * sizeof(T), sizeof(T));
  return v;
}

template <class T = float>
std::vector<T> all(const Raster& r) {
  std::vector<T> v(r.data.size() / sizeof(T));
  std::memcpy(v.data(), r.data.data(), r.data.size());
  return v;
}

// Normalises a one-row, one-band raster of `values` over lo..hi.
template <class T>
std::vector<float> normalised(SampleType type, const std::vector<T>& values, double lo, double hi) {
  const Raster in = make(static_cast<std::int64_t>(values.size()), 1, 1, type, values);
  const int band = 0;
  const Raster out = normalise(in, {&band, 1}, {&lo, 1}, {&hi, 1});
  REQUIRE(out.type == SampleType::f32);
  REQUIRE(out.bands == 1);
  return all(out);
}

void check(const std::vector<float>& got, const std::vector<double>& want, double eps = 1e-6) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("sample " << i);
    CHECK(got[i] == Approx(want[i]).margin(eps));
  }
}

// Every value of a 16-bit type once (65536 pixels), as the type's ramp from its minimum.
template <class T>
std::vector<T> full_ramp16() {
  std::vector<T> v(65536);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<T>(static_cast<std::int64_t>(std::numeric_limits<T>::min()) +
                          static_cast<std::int64_t>(i));
  return v;
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

}  // namespace

TEST_CASE("normalise maps 8-bit types over their range and a chosen range", "[processing]") {
  std::vector<std::uint8_t> u8(256);
  std::vector<std::int8_t> i8(256);
  std::vector<double> frac(256);
  for (int i = 0; i < 256; ++i) {
    u8[i] = static_cast<std::uint8_t>(i);
    i8[i] = static_cast<std::int8_t>(i - 128);
    frac[i] = i / 255.0;
  }
  check(normalised(SampleType::u8, u8, 0, 255), frac);
  check(normalised(SampleType::i8, i8, -128, 127), frac);
  check(
      normalised(SampleType::u8, std::vector<std::uint8_t>{0, 49, 50, 75, 100, 101, 255}, 50, 100),
      {0, 0, 0, 0.5, 1, 1, 1});
  check(
      normalised(SampleType::i8, std::vector<std::int8_t>{-128, -100, -60, -20, 0, 127}, -100, -20),
      {0, 0, 0.5, 1, 1, 1});
}

TEST_CASE("normalise maps 16-bit types, by table and directly", "[processing]") {
  // 65536 pixels take the lookup table, a short row the direct path: both must agree.
  const auto u16 = full_ramp16<std::uint16_t>();
  const auto i16 = full_ramp16<std::int16_t>();
  std::vector<double> frac(65536);
  for (std::size_t i = 0; i < frac.size(); ++i) frac[i] = static_cast<double>(i) / 65535.0;
  check(normalised(SampleType::u16, u16, 0, 65535), frac);
  check(normalised(SampleType::i16, i16, -32768, 32767), frac);
  check(normalised(SampleType::u16, std::vector<std::uint16_t>{0, 1000, 1500, 2000, 65535}, 1000,
                   2000),
        {0, 0, 0.5, 1, 1});
  check(normalised(SampleType::i16, std::vector<std::int16_t>{-32768, -2000, -1000, 0, 32767},
                   -2000, 0),
        {0, 0, 0.5, 1, 1});
  // The table path with a narrow range: every value below lo is 0, above hi 1.
  const auto big = normalised(SampleType::u16, u16, 100, 200);
  CHECK(big[99] == 0.0f);
  CHECK(big[150] == Approx(0.5));
  CHECK(big[200] == 1.0f);
  CHECK(big[65535] == 1.0f);
}

TEST_CASE("normalise maps 32-bit integer types", "[processing]") {
  const std::uint32_t top = std::numeric_limits<std::uint32_t>::max();
  check(normalised(SampleType::u32, std::vector<std::uint32_t>{0, 1u << 31, top}, 0, top),
        {0, 2147483648.0 / 4294967295.0, 1});
  const std::int32_t mn = std::numeric_limits<std::int32_t>::min();
  const std::int32_t mx = std::numeric_limits<std::int32_t>::max();
  check(normalised(SampleType::i32, std::vector<std::int32_t>{mn, -1000, -500, 0, 1000, mx}, -1000,
                   1000),
        {0, 0, 0.25, 0.5, 1, 1});
  check(normalised(SampleType::i32, std::vector<std::int32_t>{mn, 0, mx}, mn, mx),
        {0, 2147483648.0 / 4294967295.0, 1});
}

TEST_CASE("normalise maps float types with negative ranges, NaN and infinities", "[processing]") {
  check(normalised(SampleType::f32, std::vector<float>{-3, -1, -0.5f, 0, 1, 7, kNaN, kInf, -kInf},
                   -1, 1),
        {0, 0, 0.25, 0.5, 1, 1, 0, 1, 0});
  const double dnan = std::numeric_limits<double>::quiet_NaN();
  const double dinf = std::numeric_limits<double>::infinity();
  check(normalised(SampleType::f64,
                   std::vector<double>{-1e300, -250, -200, -150, -100, dnan, dinf, -dinf}, -200,
                   -100),
        {0, 0, 0, 0.5, 1, 0, 1, 0});
  // An empty range maps everything, infinities included, to 0.
  check(normalised(SampleType::f32, std::vector<float>{-1, 5, 6, kInf, -kInf, kNaN}, 5, 5),
        {0, 0, 0, 0, 0, 0});
  check(normalised(SampleType::u8, std::vector<std::uint8_t>{0, 5, 255}, 5, 5), {0, 0, 0});
}

TEST_CASE("normalise keeps the listed bands in order, each with its own range", "[processing]") {
  // Two RGB pixels; keep blue then red.
  const Raster in =
      make(2, 1, 3, SampleType::u16, std::vector<std::uint16_t>{10, 0, 300, 20, 0, 400});
  const std::vector<int> bands{2, 0};
  const std::vector<double> lo{300, 10}, hi{400, 20};
  const Raster out = normalise(in, bands, lo, hi);
  REQUIRE(out.bands == 2);
  check(all(out), {0, 0, 1, 1});
  // A band the input does not have comes out 0.
  const std::vector<int> missing{5};
  const Raster zero = normalise(in, missing, std::vector<double>{0}, std::vector<double>{1});
  check(all(zero), {0, 0});
}

TEST_CASE("quantise rounds to 8 and 16 bits and clamps", "[processing]") {
  const Raster in = working(8, 1, 1, {0, 0.5f, 1, -0.2f, 1.5f, kNaN, 1 / 255.0f, 0.25f});
  const Raster q8 = quantise(in, 8);
  REQUIRE(q8.type == SampleType::u8);
  CHECK(all<std::uint8_t>(q8) == std::vector<std::uint8_t>{0, 128, 255, 0, 255, 0, 1, 64});
  const Raster q16 = quantise(in, 16);
  REQUIRE(q16.type == SampleType::u16);
  CHECK(all<std::uint16_t>(q16) ==
        std::vector<std::uint16_t>{0, 32768, 65535, 0, 65535, 0, 257, 16384});
  CHECK(quantise(in, 12).type == SampleType::u8);

  // Full ramps survive normalise then quantise unchanged.
  std::vector<std::uint8_t> u8(256);
  for (int i = 0; i < 256; ++i) u8[i] = static_cast<std::uint8_t>(i);
  const Raster r8 = make(256, 1, 1, SampleType::u8, u8);
  const int band = 0;
  const double lo = 0, hi8 = 255, hi16 = 65535;
  CHECK(quantise(normalise(r8, {&band, 1}, {&lo, 1}, {&hi8, 1}), 8).data == r8.data);
  const Raster r16 = make(256, 256, 1, SampleType::u16, full_ramp16<std::uint16_t>());
  CHECK(quantise(normalise(r16, {&band, 1}, {&lo, 1}, {&hi16, 1}), 16).data == r16.data);
}

TEST_CASE("gamma: power and the astronomical log scale", "[processing]") {
  std::vector<float> ramp(11);
  std::vector<double> squared(11), root(11);
  for (int i = 0; i <= 10; ++i) {
    ramp[i] = static_cast<float>(i / 10.0);
    squared[i] = (i / 10.0) * (i / 10.0);
    root[i] = std::sqrt(i / 10.0);
  }
  Raster r = working(11, 1, 1, ramp);
  apply_gamma(r, Gamma{GammaMode::power, 2});
  check(all(r), squared);
  r = working(11, 1, 1, ramp);
  apply_gamma(r, Gamma{GammaMode::power, 0.5});
  check(all(r), root);
  r = working(11, 1, 1, ramp);
  apply_gamma(r, Gamma{});
  check(all(r), std::vector<double>(ramp.begin(), ramp.end()));

  r = working(4, 1, 1, {0, 0.1f, 0.5f, 1});
  apply_gamma(r, Gamma{GammaMode::log, 1});
  check(all(r), {0, std::log(26.5) / std::log(256.0), std::log(128.5) / std::log(256.0), 1}, 1e-5);
}

TEST_CASE("contrast: multiply clamps", "[processing]") {
  Raster r = working(3, 1, 1, {0.1f, 0.3f, 0.6f});
  apply_contrast(r, Contrast{ContrastMode::multiply, 2});
  check(all(r), {0.2, 0.6, 1});
}

TEST_CASE("contrast: stretch maps each band's own range to 0..1", "[processing]") {
  // Band 0 spans 0.2..0.6, band 1 is flat and stays as it is.
  Raster r = working(3, 1, 2, {0.2f, 0.3f, 0.4f, 0.3f, 0.6f, 0.3f});
  apply_contrast(r, Contrast{ContrastMode::stretch, 1});
  check(all(r), {0, 0.3, 0.5, 0.3, 1, 0.3});
}

TEST_CASE("contrast: equalise by the cumulative histogram", "[processing]") {
  Raster two = working(4, 1, 1, {0.2f, 0.7f, 0.2f, 0.7f});
  apply_contrast(two, Contrast{ContrastMode::equalise, 1});
  check(all(two), {0, 1, 0, 1});

  // Counts 3, 1, 1: cumulative 3, 4, 5; minus the lowest bin's 3, over 5 - 3.
  Raster skew = working(5, 1, 1, {0.1f, 0.1f, 0.5f, 0.1f, 0.9f});
  apply_contrast(skew, Contrast{ContrastMode::equalise, 1});
  check(all(skew), {0, 0, 0.5, 0, 1});

  // One sample per bin: the ramp stays (nearly) where it was.
  std::vector<float> ramp(1024);
  for (int i = 0; i < 1024; ++i) ramp[i] = (i + 0.5f) / 1024;
  Raster r = working(1024, 1, 1, ramp);
  apply_contrast(r, Contrast{ContrastMode::equalise, 1});
  const auto out = all(r);
  for (int i = 0; i < 1024; ++i) REQUIRE(out[i] == Approx(i / 1023.0).margin(1e-6));

  Raster flat = constant(3, 3, 1, 0.4f);
  apply_contrast(flat, Contrast{ContrastMode::equalise, 1});
  check(all(flat), std::vector<double>(9, 0.4f));
}

TEST_CASE("invert, twice is the identity", "[processing]") {
  Raster r = working(3, 1, 1, {0, 0.25f, 1});
  invert(r);
  check(all(r), {1, 0.75, 0});
  invert(r);
  check(all(r), {0, 0.25, 1});
}

TEST_CASE("twist recombines bands", "[processing]") {
  const Raster rgb = working(2, 1, 3, {0.1f, 0.5f, 0.9f, 0.3f, 0.6f, 0.0f});
  const Raster same = twist(rgb, BandMatrix{3, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1}});
  CHECK(same.bands == 3);
  check(all(same), {0.1, 0.5, 0.9, 0.3, 0.6, 0.0});

  const Raster mean = twist(rgb, BandMatrix{1, 3, {1 / 3.0, 1 / 3.0, 1 / 3.0}});
  REQUIRE(mean.bands == 1);
  check(all(mean), {0.5, 0.3});

  // Out of range sums clamp; a 4th input the raster lacks counts as 0.
  const Raster clamped = twist(rgb, BandMatrix{1, 4, {2, 2, 0, 100}});
  check(all(clamped), {1, 1});
  const Raster neg = twist(rgb, BandMatrix{1, 3, {1, -1, 0}});
  check(all(neg), {0, 0});
  // A matrix with fewer columns than bands ignores the rest.
  const Raster first = twist(rgb, BandMatrix{1, 1, {1}});
  check(all(first), {0.1, 0.3});
  CHECK(twist(rgb, BandMatrix{}).data == rgb.data);

  // A 1x12 row selects band k of a 12-band raster.
  std::vector<float> bands12(12);
  for (int k = 0; k < 12; ++k) bands12[k] = k / 11.0f;
  const Raster twelve = working(1, 1, 12, bands12);
  for (int k = 0; k < 12; ++k) {
    std::vector<double> row(12, 0.0);
    row[k] = 1;
    const Raster pick = twist(twelve, BandMatrix{1, 12, row});
    REQUIRE(pick.bands == 1);
    CHECK(at(pick, 0, 0) == Approx(k / 11.0));
  }
}

TEST_CASE("colormaps at their ends, middles and breakpoints", "[processing]") {
  const auto colour = [](Colormap map, float v) {
    const Raster out = apply_colormap(working(1, 1, 1, {v}), map);
    REQUIRE(out.bands == 3);
    return all(out);
  };
  check(colour(Colormap::hot, 0), {0, 0, 0});
  check(colour(Colormap::hot, 1 / 3.0f), {1, 0, 0});
  check(colour(Colormap::hot, 0.5f), {1, 0.5, 0});
  check(colour(Colormap::hot, 2 / 3.0f), {1, 1, 0});
  check(colour(Colormap::hot, 1), {1, 1, 1});
  check(colour(Colormap::cold, 0), {0, 0, 0});
  check(colour(Colormap::cold, 1 / 3.0f), {0, 0, 1});
  check(colour(Colormap::cold, 0.5f), {0, 0.5, 1});
  check(colour(Colormap::cold, 2 / 3.0f), {0, 1, 1});
  check(colour(Colormap::cold, 1), {1, 1, 1});
  check(colour(Colormap::jet, 0), {0, 0, 0.5});
  check(colour(Colormap::jet, 1 / 8.0f), {0, 0, 1});
  check(colour(Colormap::jet, 3 / 8.0f), {0, 1, 1});
  check(colour(Colormap::jet, 0.5f), {0.5, 1, 0.5});
  check(colour(Colormap::jet, 5 / 8.0f), {1, 1, 0});
  check(colour(Colormap::jet, 7 / 8.0f), {1, 0, 0});
  check(colour(Colormap::jet, 1), {0.5, 0, 0});
  check(colour(Colormap::blue, 0.5f), {0, 0, 0.5});
  check(colour(Colormap::green, 0.5f), {0, 0.5, 0});
  check(colour(Colormap::red, 0.5f), {0.5, 0, 0});
  check(colour(Colormap::red, 0), {0, 0, 0});
  check(colour(Colormap::red, 1), {1, 0, 0});

  // Of several bands, the first is mapped (iipsrv's CMP).
  const Raster red = working(1, 1, 3, {1, 0, 0});
  check(all(apply_colormap(red, Colormap::red)), {1, 0, 0});
  check(all(apply_colormap(working(1, 1, 3, {0.25f, 1, 1}), Colormap::hot)), {0.75, 0, 0});
  CHECK(apply_colormap(red, Colormap::none).data == red.data);
}

TEST_CASE("convolve: identities, blurs and kernels used as given", "[processing]") {
  std::vector<float> v(35);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7) % 11) / 10;
  const Raster img = working(7, 5, 1, v);
  CHECK(convolve(img, Kernel{1, {1}}).data == img.data);
  CHECK(convolve(img, Kernel{3, {0, 0, 0, 0, 1, 0, 0, 0, 0}}).data == img.data);
  std::vector<double> id5(25, 0.0);
  id5[12] = 1;
  CHECK(convolve(img, Kernel{5, id5}).data == img.data);

  // No normalisation: a centre weight of 2 doubles, then clamps.
  const Raster doubled = convolve(working(3, 1, 1, {0.1f, 0.3f, 0.7f}), Kernel{1, {2}});
  check(all(doubled), {0.2, 0.6, 1});

  const Raster flat = constant(6, 4, 2, 0.4f);
  for (const char* name : {"gaussian", "sharpen", "emboss"}) {
    INFO(name);
    check(all(convolve(flat, *named_kernel(name))), std::vector<double>(48, 0.4f));
  }

  // One bright pixel, in band 1 only, under a 3x3 box: 1/9 over its neighbourhood.
  std::vector<float> dot(5 * 5 * 2, 0.0f);
  dot[(2 * 5 + 2) * 2 + 1] = 1;
  const Raster box = convolve(working(5, 5, 2, dot), Kernel{3, std::vector<double>(9, 1 / 9.0)});
  for (int y = 0; y < 5; ++y)
    for (int x = 0; x < 5; ++x) {
      const bool near = std::abs(x - 2) <= 1 && std::abs(y - 2) <= 1;
      CHECK(at(box, x, y, 0) == 0.0f);
      CHECK(at(box, x, y, 1) == Approx(near ? 1 / 9.0 : 0.0).margin(1e-7));
    }

  // Invalid kernels leave the raster alone.
  CHECK(convolve(img, Kernel{2, {1, 0, 0, 0}}).data == img.data);
  CHECK(convolve(img, Kernel{7, std::vector<double>(49, 0.0)}).data == img.data);
  CHECK(convolve(img, Kernel{3, {1, 0, 0}}).data == img.data);
  CHECK(convolve(img, Kernel{3, {0, 0, 0, 0, std::nan(""), 0, 0, 0, 0}}).data == img.data);
  CHECK(convolve(img, Kernel{}).data == img.data);
}

TEST_CASE("convolve: edge detectors give the gradient magnitude", "[processing]") {
  // A vertical step of height s between columns 2 and 3; its transpose, a horizontal step.
  // The x kernel's columns sum to 4 (sobel), 3 (prewitt), 16 (scharr): the response at the
  // two columns beside the step is that times s; everywhere else the image is flat.
  const struct {
    const char* name;
    double weight, step;
  } cases[] = {{"sobel", 4, 0.2}, {"prewitt", 3, 0.2}, {"scharr", 16, 0.05}};
  for (const auto& c : cases) {
    INFO(c.name);
    std::vector<float> vertical(6 * 5), horizontal(5 * 6);
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 6; ++x) {
        vertical[y * 6 + x] = x >= 3 ? static_cast<float>(c.step) : 0.0f;
        horizontal[x * 5 + y] = vertical[y * 6 + x];
      }
    const Kernel k = *named_kernel(c.name);
    const Raster v = convolve(working(6, 5, 1, vertical), k);
    const Raster h = convolve(working(5, 6, 1, horizontal), k);
    for (int y = 0; y < 5; ++y)
      for (int x = 0; x < 6; ++x) {
        const double want = (x == 2 || x == 3) ? c.weight * c.step : 0.0;
        CHECK(at(v, x, y) == Approx(want).margin(1e-6));
        CHECK(at(h, y, x) == Approx(want).margin(1e-6));
      }
  }
}

TEST_CASE("convolve: zero-sum kernels are offset to mid-grey", "[processing]") {
  // Laplace of a linear ramp is 0 away from the borders, shown as 0.5.
  std::vector<float> ramp(8 * 4);
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 8; ++x) ramp[y * 8 + x] = 0.1f + 0.1f * x;
  const Raster out = convolve(working(8, 4, 1, ramp), *named_kernel("laplace"));
  for (int y = 0; y < 4; ++y)
    for (int x = 1; x < 7; ++x) CHECK(at(out, x, y) == Approx(0.5).margin(1e-6));
  // A step up to the right: the laplacian is +s just left of it and -s just right.
  const Raster step =
      convolve(working(4, 1, 1, {0.2f, 0.2f, 0.4f, 0.4f}), *named_kernel("laplace"));
  check(all(step), {0.5, 0.7, 0.3, 0.5});

  CHECK(named_kernel("laplace")->weights == std::vector<double>{0, 1, 0, 1, -4, 1, 0, 1, 0});
  CHECK(named_kernel("gaussian")->weights == std::vector<double>{1 / 16., 2 / 16., 1 / 16., 2 / 16.,
                                                                 4 / 16., 2 / 16., 1 / 16., 2 / 16.,
                                                                 1 / 16.});
  CHECK_FALSE(named_kernel("blur").has_value());
}

TEST_CASE("hill shade: Lambert's law for the light's direction", "[processing]") {
  const HillShade from_right{true, 90, 45}, from_left{true, 270, 45};
  // Flat ground is lit at sin(elevation) from any azimuth.
  const Raster flat = constant(5, 4, 1, 0.3f);
  for (double az : {0.0, 90.0, 200.0})
    for (double el : {30.0, 45.0, 90.0}) {
      const Raster out = hill_shade(flat, HillShade{true, az, el}, 10);
      REQUIRE(out.bands == 1);
      check(all(out), std::vector<double>(20, std::sin(el * std::numbers::pi / 180)));
    }

  // Height rises 0.1 per pixel to the right; relief 5 makes the slope 0.5. The normal is
  // (-0.5, 0, 1) / sqrt(1.25): it faces left, so light from the left (270) is the brighter:
  // n.L = (0.5 cos 45 + sin 45) / sqrt(1.25) = 3 / sqrt(10), from the right 1 / sqrt(10).
  std::vector<float> slope(8 * 6);
  for (int y = 0; y < 6; ++y)
    for (int x = 0; x < 8; ++x) slope[y * 8 + x] = 0.1f * x;
  const Raster plane = working(8, 6, 1, slope);
  const Raster right = hill_shade(plane, from_right, 5);
  const Raster left = hill_shade(plane, from_left, 5);
  for (int y = 0; y < 6; ++y)
    for (int x = 1; x < 7; ++x) {
      CHECK(at(right, x, y) == Approx(1 / std::sqrt(10.0)).margin(1e-5));
      CHECK(at(left, x, y) == Approx(3 / std::sqrt(10.0)).margin(1e-5));
    }

  // Height rising downwards (y points down) faces the top: lit from 0, darker from 180.
  std::vector<float> down(6 * 8);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 6; ++x) down[y * 6 + x] = 0.1f * y;
  const Raster south = working(6, 8, 1, down);
  CHECK(at(hill_shade(south, HillShade{true, 0, 45}, 5), 3, 4) ==
        Approx(3 / std::sqrt(10.0)).margin(1e-5));
  CHECK(at(hill_shade(south, HillShade{true, 180, 45}, 5), 3, 4) ==
        Approx(1 / std::sqrt(10.0)).margin(1e-5));

  // A slope steeper than the light is in shadow: 0, not negative.
  CHECK(at(hill_shade(plane, HillShade{true, 90, 10}, 100), 3, 3) == 0.0f);
  CHECK(hill_shade(plane, HillShade{false, 90, 45}, 5).data == plane.data);
}

TEST_CASE("hill shade: three bands are a normal map, shaded as iipsrv's SHD", "[processing]") {
  // Pixels: facing the viewer, facing +x in iipsrv's sense (red 1 -> o_x = -1), no normal.
  const Raster normals = working(3, 1, 3, {0.5f, 0.5f, 1, 1, 0.5f, 0.5f, 0, 0, 0});
  // Light from the top (az 0) at elevation 90: s = (0, 1, -1) / sqrt 2.
  const Raster top = hill_shade(normals, HillShade{true, 0, 90}, 1);
  REQUIRE(top.bands == 1);
  CHECK(at(top, 0, 0) == Approx(0.5 / std::sqrt(2.0)).margin(1e-6));
  CHECK(at(top, 1, 0) == Approx(0).margin(1e-6));
  CHECK(at(top, 2, 0) == 0.0f);
  // Light from 270 at elevation 0: s = (-1, 0, 0); the second pixel gets 0.5 (1 x 1 / 2).
  const Raster west = hill_shade(normals, HillShade{true, 270, 0}, 1);
  CHECK(at(west, 0, 0) == Approx(0).margin(1e-6));
  CHECK(at(west, 1, 0) == Approx(0.5).margin(1e-6));
  // From 90 the dot product is negative: clamped to 0.
  CHECK(at(hill_shade(normals, HillShade{true, 90, 0}, 1), 1, 0) == 0.0f);
}

TEST_CASE("grey and bitonal", "[processing]") {
  const Raster rgb = working(4, 1, 3, {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1});
  const Raster g = to_grey(rgb);
  REQUIRE(g.bands == 1);
  check(all(g), {0.299, 0.587, 0.114, 1});
  const Raster one = working(2, 1, 1, {0.2f, 0.8f});
  CHECK(to_grey(one).data == one.data);
  check(all(to_grey(working(2, 1, 2, {0.2f, 0.9f, 0.7f, 0.1f}))), {0.2, 0.7});

  check(all(to_bitonal(working(4, 1, 1, {0.5f, std::nextafter(0.5f, 0.0f), 0, 1}))), {1, 0, 0, 1});
  // Equal channels give back exactly their value, so mid-grey is exactly on the threshold.
  check(all(to_bitonal(working(2, 1, 3, {0.5f, 0.5f, 0.5f, 0.49f, 0.49f, 0.49f}))), {1, 0});
}

TEST_CASE("operations leave rasters that are not f32 alone", "[processing]") {
  Raster u8 = make(2, 1, 1, SampleType::u8, std::vector<std::uint8_t>{10, 200});
  const auto before = u8.data;
  apply_gamma(u8, Gamma{GammaMode::power, 2});
  apply_contrast(u8, Contrast{ContrastMode::equalise, 1});
  invert(u8);
  CHECK(u8.data == before);
  CHECK(convolve(u8, *named_kernel("gaussian")).data == before);
  CHECK(to_grey(u8).data == before);
  CHECK(quantise(u8, 8).data == before);
}

TEST_CASE("operations accept empty rasters", "[processing]") {
  Raster empty(0, 0, 1, SampleType::f32);
  const int band = 0;
  const double lo = 0, hi = 1;
  CHECK(normalise(empty, {&band, 1}, {&lo, 1}, {&hi, 1}).data.empty());
  CHECK(quantise(empty, 16).data.empty());
  apply_gamma(empty, Gamma{GammaMode::log, 1});
  apply_contrast(empty, Contrast{ContrastMode::stretch, 1});
  apply_contrast(empty, Contrast{ContrastMode::equalise, 1});
  invert(empty);
  CHECK(twist(empty, BandMatrix{1, 1, {1}}).data.empty());
  CHECK(apply_colormap(empty, Colormap::jet).data.empty());
  CHECK(convolve(empty, *named_kernel("sobel")).data.empty());
  CHECK(hill_shade(empty, HillShade{true, 0, 45}, 1).data.empty());
  CHECK(to_bitonal(empty).data.empty());
}
