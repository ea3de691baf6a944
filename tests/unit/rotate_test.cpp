#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <vector>

#include "imaging/rotate.hpp"

using namespace tessera;

namespace {

double get(const Raster& r, std::int64_t x, std::int64_t y, int b = 0) {
  return with_sample_type(r.type, [&](auto t) {
    decltype(t) v;
    const std::size_t i = static_cast<std::size_t>(x * r.bands + b);
    std::memcpy(&v, r.row(y) + i * sizeof v, sizeof v);
    return static_cast<double>(v);
  });
}

void put(Raster& r, std::int64_t x, std::int64_t y, int b, double value) {
  with_sample_type(r.type, [&](auto t) {
    const auto v = static_cast<decltype(t)>(value);
    const std::size_t i = static_cast<std::size_t>(x * r.bands + b);
    std::memcpy(r.row(y) + i * sizeof v, &v, sizeof v);
  });
}

// Rows of single-band values, top to bottom.
Raster grid(std::vector<std::vector<double>> rows, SampleType type = SampleType::u8) {
  Raster r(static_cast<std::int64_t>(rows[0].size()), static_cast<std::int64_t>(rows.size()), 1,
           type);
  for (std::int64_t y = 0; y < r.height; ++y)
    for (std::int64_t x = 0; x < r.width; ++x) put(r, x, y, 0, rows[y][x]);
  return r;
}

bool same(const Raster& a, const Raster& b) {
  return a.width == b.width && a.height == b.height && a.bands == b.bands && a.type == b.type &&
         a.data == b.data;
}

constexpr double kNoFill[] = {0};

}  // namespace

TEST_CASE("rotate: quarter turns move samples exactly, clockwise", "[rotate]") {
  // 1 2 3
  // 4 5 6
  const Raster in = grid({{1, 2, 3}, {4, 5, 6}});
  // 90 clockwise puts the top row on the right side.
  CHECK(same(rotate(in, 90, kNoFill), grid({{4, 1}, {5, 2}, {6, 3}})));
  CHECK(same(rotate(in, 180, kNoFill), grid({{6, 5, 4}, {3, 2, 1}})));
  CHECK(same(rotate(in, 270, kNoFill), grid({{3, 6}, {2, 5}, {1, 4}})));
  CHECK(same(mirror(in), grid({{3, 2, 1}, {6, 5, 4}})));
  // Angles equal modulo 360.
  CHECK(same(rotate(in, 0, kNoFill), in));
  CHECK(same(rotate(in, 360, kNoFill), in));
  CHECK(same(rotate(in, 450, kNoFill), rotate(in, 90, kNoFill)));
  CHECK(same(rotate(in, -90, kNoFill), rotate(in, 270, kNoFill)));
  CHECK(same(rotate(in, 90 + 1e-12, kNoFill), rotate(in, 90, kNoFill)));
}

TEST_CASE("rotate: sizes of the rotated bounding box", "[rotate]") {
  std::int64_t w = 0, h = 0;
  rotated_size(100, 50, 90, w, h);
  CHECK((w == 50 && h == 100));
  rotated_size(100, 50, -180, w, h);
  CHECK((w == 100 && h == 50));
  rotated_size(100, 50, 630, w, h);
  CHECK((w == 50 && h == 100));
  // 100 cos 30 + 50 sin 30 = 111.6; 100 sin 30 + 50 cos 30 = 93.3.
  rotated_size(100, 50, 30, w, h);
  CHECK((w == 112 && h == 93));
  rotated_size(100, 50, 330, w, h);
  CHECK((w == 112 && h == 93));
  rotated_size(1, 1, 45, w, h);
  CHECK((w == 1 && h == 1));
}

TEST_CASE("rotate: a checkerboard turned 90 degrees is its transpose flipped", "[rotate]") {
  Raster board(7, 4, 2, SampleType::u8);
  for (std::int64_t y = 0; y < 4; ++y)
    for (std::int64_t x = 0; x < 7; ++x) {
      put(board, x, y, 0, (x + y) % 2 ? 255 : 0);
      put(board, x, y, 1, 10 * x + y);  // tells the pixels apart
    }
  const Raster out = rotate(board, 90, kNoFill);
  REQUIRE((out.width == 4 && out.height == 7));
  for (std::int64_t y = 0; y < 7; ++y)
    for (std::int64_t x = 0; x < 4; ++x) {
      // Transposed (x <-> y), then flipped left-right.
      CHECK(get(out, x, y, 0) == get(board, y, 3 - x, 0));
      CHECK(get(out, x, y, 1) == get(board, y, 3 - x, 1));
    }
}

TEST_CASE("rotate: every sample type turns exactly", "[rotate]") {
  for (SampleType t : {SampleType::u8, SampleType::u16, SampleType::u32, SampleType::i8,
                       SampleType::i16, SampleType::i32, SampleType::f32, SampleType::f64}) {
    for (int bands : {1, 3, 5}) {
      Raster in(5, 3, bands, t);
      for (std::int64_t y = 0; y < 3; ++y)
        for (std::int64_t x = 0; x < 5; ++x)
          for (int b = 0; b < bands; ++b) put(in, x, y, b, (x * 3 + y) * 7 + b - 40);
      const Raster r90 = rotate(in, 90, kNoFill), r270 = rotate(in, 270, kNoFill);
      const Raster r180 = rotate(in, 180, kNoFill), m = mirror(in);
      REQUIRE((r90.width == 3 && r90.height == 5 && r90.type == t && r90.bands == bands));
      int wrong = 0;
      for (std::int64_t y = 0; y < 3; ++y)
        for (std::int64_t x = 0; x < 5; ++x)
          for (int b = 0; b < bands; ++b) {
            const double v = get(in, x, y, b);
            wrong += get(r90, 2 - y, x, b) != v;
            wrong += get(r270, y, 4 - x, b) != v;
            wrong += get(r180, 4 - x, 2 - y, b) != v;
            wrong += get(m, 4 - x, y, b) != v;
          }
      INFO("type " << int(t) << " bands " << bands);
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("rotate: 180 twice, 90 four times and mirror twice are the identity", "[rotate]") {
  Raster ramp(33, 17, 3, SampleType::u16);
  for (std::int64_t y = 0; y < 17; ++y)
    for (std::int64_t x = 0; x < 33; ++x)
      for (int b = 0; b < 3; ++b) put(ramp, x, y, b, 1000 * x + 10 * y + b);
  CHECK(same(rotate(rotate(ramp, 180, kNoFill), 180, kNoFill), ramp));
  Raster r = ramp;
  for (int i = 0; i < 4; ++i) r = rotate(r, 90, kNoFill);
  CHECK(same(r, ramp));
  CHECK(same(mirror(mirror(ramp)), ramp));
}

TEST_CASE("rotate: 45 degrees of a flat raster keeps the middle and fills the corners",
          "[rotate]") {
  for (SampleType t : {SampleType::u8, SampleType::u16, SampleType::u32, SampleType::i8,
                       SampleType::i16, SampleType::i32, SampleType::f32, SampleType::f64}) {
    INFO("type " << int(t));
    Raster flat(41, 41, 3, t);
    for (std::int64_t y = 0; y < 41; ++y)
      for (std::int64_t x = 0; x < 41; ++x)
        for (int b = 0; b < 3; ++b) put(flat, x, y, b, 100 + b);
    const double fill[] = {7, 8};  // band 2 has no fill value: 0
    const Raster out = rotate(flat, 45, fill);
    // 41 (cos 45 + sin 45) = 57.98.
    REQUIRE((out.width == 58 && out.height == 58 && out.type == t));
    for (auto [x, y] : {std::pair{0, 0}, {57, 0}, {0, 57}, {57, 57}, {5, 5}}) {
      CHECK(get(out, x, y, 0) == 7);
      CHECK(get(out, x, y, 1) == 8);
      CHECK(get(out, x, y, 2) == 0);
    }
    // Everything whose footprint lies inside the source keeps the value: the middle, and the
    // points half-way to each vertex of the rotated square (the top vertex is at (29, 0)).
    for (auto [x, y] : {std::pair{28, 28}, {29, 29}, {29, 14}, {14, 29}, {43, 29}, {29, 43}})
      for (int b = 0; b < 3; ++b) CHECK(get(out, x, y, b) == 100 + b);
    // Along a row crossing two slanted edges, values only move between the fill and the
    // content, through a blended pixel or two at each edge (a pixel's footprint crosses an edge
    // over sqrt 2 output pixels), not a hard step.
    for (std::int64_t y : {10, 17, 40}) {
      int between = 0;
      for (std::int64_t x = 0; x < 58; ++x) {
        const double v = get(out, x, y, 0);
        CHECK(v >= 7 - 1e-9);
        CHECK(v <= 100 + 1e-9);
        between += v > 7 + 1e-9 && v < 100 - 1e-9;
      }
      CHECK(between >= 2);
      CHECK(between <= 4);
    }
  }
}

TEST_CASE("rotate: arbitrary angles sample bilinearly about the centre", "[rotate]") {
  // A horizontal ramp v = x (pixel centres at x + 0.5) turned 30 degrees clockwise: output
  // pixel (X, Y) comes from source x = 2 + dx cos 30 + dy sin 30 about the centres.
  Raster ramp(5, 5, 1, SampleType::f64);
  for (std::int64_t y = 0; y < 5; ++y)
    for (std::int64_t x = 0; x < 5; ++x) put(ramp, x, y, 0, static_cast<double>(x));
  const Raster out = rotate(ramp, 30, kNoFill);
  std::int64_t w = 0, h = 0;
  rotated_size(5, 5, 30, w, h);
  REQUIRE((out.width == w && out.height == h));
  const double c = std::cos(std::numbers::pi / 6), s = std::sin(std::numbers::pi / 6);
  int checked = 0;
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      const double dx = x + 0.5 - w / 2.0, dy = y + 0.5 - h / 2.0;
      const double sx = 2.5 + dx * c + dy * s, sy = 2.5 - dx * s + dy * c;
      // Inside the hull of the source pixel centres a linear ramp is reproduced exactly.
      if (sx >= 0.5 && sx <= 4.5 && sy >= 0.5 && sy <= 4.5) {
        CHECK(get(out, x, y) == Approx(sx - 0.5).margin(1e-9));
        ++checked;
      }
      // More than half a pixel outside: the fill; within half a pixel: between.
      if (sx <= -0.5 || sx >= 5.5 || sy <= -0.5 || sy >= 5.5) CHECK(get(out, x, y) == 0);
    }
  CHECK(checked >= 9);
}

TEST_CASE("rotate: empty rasters and odd angles do not fail", "[rotate]") {
  const double fill[] = {5};
  const Raster empty(0, 0, 1, SampleType::u8);
  CHECK(rotate(empty, 90, fill).empty());
  CHECK(mirror(empty).empty());
  const Raster r = rotate(empty, 30, fill);  // the size's minimum of 1, all fill
  REQUIRE((r.width == 1 && r.height == 1));
  CHECK(get(r, 0, 0) == 5);
  const Raster one = grid({{9}});
  CHECK(same(rotate(one, std::numeric_limits<double>::quiet_NaN(), fill), one));
  const Raster tilted = rotate(one, 10, fill);
  REQUIRE((tilted.width == 1 && tilted.height == 1));
  CHECK(get(tilted, 0, 0) == 9);
}
