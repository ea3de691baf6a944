#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <thread>

#include "imaging/engine.hpp"
#include "imaging/pipeline.hpp"
#include "imaging/pyramid_writer.hpp"
#include "imaging/resample.hpp"
#include "imaging/tiff_source.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
using testing::compare;
using testing::crop;
using testing::pyramid_level;
using testing::test_pattern;

namespace {

std::shared_ptr<TiffSource> open_tiff(const std::filesystem::path& p) {
  auto s = TiffSource::open(p);
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("halve: 2x2 means, odd edges use the pixels that exist") {
  Raster in(3, 3, 1);
  const std::uint8_t v[9] = {0, 100, 200, 50, 150, 250, 10, 20, 30};
  std::copy(v, v + 9, in.data.begin());
  const Raster out = halve(in);
  REQUIRE(out.width == 2);
  REQUIRE(out.height == 2);
  CHECK(out.data[0] == 75);   // (0+100+50+150)/4
  CHECK(out.data[1] == 225);  // (200+200+250+250)/4
  CHECK(out.data[2] == 15);   // (10+20+10+20)/4: the missing row repeats the last
  CHECK(out.data[3] == 30);   // the corner pixel alone
}

TEST_CASE("tiff source: levels, tile sizes and edge tiles of a written pyramid") {
  testing::TempDir dir;
  const Raster full = test_pattern(1000, 700, 3);
  const auto path = dir.path() / "p.tif";
  REQUIRE_FALSE(write_pyramid_tiff(path, full, {256, 128, TiffCompression::none}));

  auto src = open_tiff(path);
  const ImageInfo& info = src->info();
  REQUIRE(info.levels.size() == 4);  // 1000x700, 500x350, 250x175, 125x88
  CHECK(info.levels[1].width == 500);
  CHECK(info.levels[3].height == 88);
  CHECK(info.levels[0].tile_width == 256);
  CHECK(info.levels[0].tile_height == 128);  // non-square tiles keep their own height
  CHECK(info.bands == 3);
  CHECK(info.colour == ColourSpace::rgb);

  auto edge = src->read_tile(0, 3, 5);  // x 768..999, y 640..699
  REQUIRE(edge.ok());
  CHECK(edge->width == 232);
  CHECK(edge->height == 60);
  CHECK(compare(*edge, crop(full, 768, 640, 232, 60)).max == 0);
}

TEST_CASE("tiff source: lossless compressions give back the exact pixels of every level") {
  const auto compression = GENERATE(TiffCompression::none, TiffCompression::deflate);
  const int bands = GENERATE(1, 3);
  testing::TempDir dir;
  const Raster full = test_pattern(777, 555, bands);
  const auto path = dir.path() / "p.tif";
  REQUIRE_FALSE(write_pyramid_tiff(path, full, {128, 128, compression}));
  auto src = open_tiff(path);
  for (std::size_t k = 0; k < src->info().levels.size(); ++k) {
    const Raster expected = pyramid_level(full, static_cast<int>(k));
    const LevelInfo& lv = src->info().levels[k];
    auto got = src->read_region(k, Rect{0, 0, lv.width, lv.height});
    REQUIRE(got.ok());
    CHECK(compare(*got, expected).max == 0);
  }
}

TEST_CASE("tiff source: JPEG-compressed YCbCr tiles decode close to the original") {
  testing::TempDir dir;
  Raster full(512, 512, 3);  // smooth content: JPEG is near-lossless on it
  for (std::int64_t y = 0; y < 512; ++y)
    for (std::int64_t x = 0; x < 512; ++x) {
      full.row(y)[x * 3] = static_cast<std::uint8_t>(x / 2);
      full.row(y)[x * 3 + 1] = static_cast<std::uint8_t>(y / 2);
      full.row(y)[x * 3 + 2] = 128;
    }
  const auto path = dir.path() / "j.tif";
  REQUIRE_FALSE(write_pyramid_tiff(path, full, {256, 256, TiffCompression::jpeg, 90, true}));
  auto src = open_tiff(path);
  auto got = src->read_region(0, Rect{0, 0, 512, 512});
  REQUIRE(got.ok());
  CHECK(compare(*got, full).mean < 2.0);
}

TEST_CASE("tiff source: non-pyramid pages and corrupt files") {
  testing::TempDir dir;
  SECTION("a file that is not a TIFF") {
    std::ofstream(dir.path() / "x.tif") << "II*\0garbage";
    auto s = TiffSource::open(dir.path() / "x.tif");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == Errc::corrupt_image);
  }
  SECTION("a truncated TIFF fails on read, not with a crash") {
    const Raster full = test_pattern(600, 600, 3);
    const auto path = dir.path() / "t.tif";
    REQUIRE_FALSE(write_pyramid_tiff(path, full, {256, 256, TiffCompression::deflate}));
    const auto size = std::filesystem::file_size(path);
    std::string bytes(size, '\0');
    std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
    // Overwrite part of the tile data; directories may or may not survive, both must fail cleanly.
    for (std::size_t i = 2000; i < size / 2; ++i) bytes[i] = '\x55';
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(size));
    auto s = TiffSource::open(path);
    if (s.ok()) {
      bool failed = false;
      for (std::int64_t t = 0; t < 9; ++t) failed |= !(*s)->read_tile(0, t % 3, t / 3).ok();
      CHECK(failed);
    } else {
      CHECK(s.error().code == Errc::corrupt_image);
    }
  }
}

TEST_CASE("pipeline: viewer tiles are exact crops of the stored level, edges included") {
  testing::TempDir dir;
  const Raster full = test_pattern(1000, 700, 3);
  const auto path = dir.path() / "p.tif";
  REQUIRE_FALSE(write_pyramid_tiff(path, full, {256, 256, TiffCompression::none}));
  auto src = open_tiff(path);

  for (int k = 0; k < 3; ++k) {
    const std::int64_t scale = std::int64_t{1} << k;
    const Raster level = pyramid_level(full, k);
    // Every tile of this level, as OpenSeadragon asks for it: region = tile * scale, clipped.
    for (std::int64_t ty = 0; ty * 256 < level.height; ++ty)
      for (std::int64_t tx = 0; tx * 256 < level.width; ++tx) {
        const std::int64_t x = tx * 256 * scale, y = ty * 256 * scale;
        const std::int64_t w = std::min<std::int64_t>(256 * scale, 1000 - x);
        const std::int64_t h = std::min<std::int64_t>(256 * scale, 700 - y);
        View spec = make_view(Rect{x, y, w, h}, (w + scale - 1) / scale, (h + scale - 1) / scale);
        INFO("level " << k << " tile " << tx << "," << ty);
        CHECK(choose_level(src->info(), spec).level == static_cast<std::size_t>(k));
        auto got = read_scaled(*src, spec);
        REQUIRE(got.ok());
        CHECK(compare(*got, crop(level, tx * 256, ty * 256, spec.width, spec.height)).max == 0);
      }
  }
}

TEST_CASE("pipeline: the level chosen is the smallest with enough resolution") {
  testing::TempDir dir;
  const auto path = dir.path() / "p.tif";
  REQUIRE_FALSE(
      write_pyramid_tiff(path, test_pattern(1024, 1024, 1), {256, 256, TiffCompression::none}));
  auto src = open_tiff(path);
  const ImageInfo& info = src->info();
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 1024, 1024)).level == 0);
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 513, 513)).level == 0);
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 512, 512)).level == 1);
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 300, 300)).level == 1);
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 256, 256)).level == 2);
  CHECK(choose_level(info, make_view(Rect{0, 0, 1024, 1024}, 10, 10)).level == 2);
  CHECK(choose_level(info, make_view(Rect{0, 0, 100, 100}, 100, 100)).level == 0);
}

TEST_CASE("resample: averages when reducing, keeps flat areas flat") {
  SECTION("a fine checkerboard reduced 4x becomes uniform grey, not an alias pattern") {
    Raster board(64, 64, 1);
    for (std::int64_t y = 0; y < 64; ++y)
      for (std::int64_t x = 0; x < 64; ++x) board.row(y)[x] = ((x + y) % 2) ? 255 : 0;
    const Raster out = resample(board, SourceWindow{0, 0, 64, 64}, 16, 16);
    // Away from the border, where edge extension tips the balance a little.
    for (std::int64_t y = 1; y < 15; ++y)
      for (std::int64_t x = 1; x < 15; ++x) CHECK(std::abs(int(out.row(y)[x]) - 128) <= 1);
  }
  SECTION("a constant image stays constant at any scale") {
    Raster flat(50, 30, 3);
    std::fill(flat.data.begin(), flat.data.end(), 77);
    for (auto [w, h] : {std::pair{17, 9}, {50, 30}, {120, 80}}) {
      const Raster out = resample(flat, SourceWindow{0, 0, 50, 30}, w, h);
      for (auto v : out.data) CHECK(int(v) == 77);
    }
  }
  SECTION("scale 1 with an integral offset is an exact crop") {
    const Raster p = test_pattern(40, 40, 3);
    const Raster out = resample(p, SourceWindow{5, 7, 20, 10}, 20, 10);
    CHECK(compare(out, crop(p, 5, 7, 20, 10)).max == 0);
  }
}

TEST_CASE("engine: replaced files are reopened; concurrent renders agree") {
  testing::TempDir dir;
  const auto path = dir.path() / "img.tif";
  REQUIRE_FALSE(
      write_pyramid_tiff(path, test_pattern(600, 400, 3), {256, 256, TiffCompression::deflate}));
  EngineOptions opts;
  opts.root = dir.path();
  Engine engine(opts);

  auto file = engine.resolve("img.tif");
  REQUIRE(file.ok());
  CHECK_FALSE(engine.cached_source(*file));
  auto first = engine.open_source(*file);
  REQUIRE(first.ok());
  CHECK(engine.cached_source(*file) == *first);

  // Rewrite with other dimensions: a new stamp, so the old header must not be used.
  std::filesystem::remove(path);
  REQUIRE_FALSE(
      write_pyramid_tiff(path, test_pattern(300, 200, 3), {256, 256, TiffCompression::deflate}));
  auto file2 = engine.resolve("img.tif");
  REQUIRE(file2.ok());
  CHECK_FALSE(engine.cached_source(*file2));
  auto second = engine.open_source(*file2);
  REQUIRE(second.ok());
  CHECK((*second)->info().width() == 300);

  const View spec = make_view(Rect{0, 0, 300, 200}, 150, 100);
  auto reference = read_scaled(**second, spec);
  REQUIRE(reference.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = read_scaled(**second, spec);
        if (!r.ok() || r->data != reference->data) ++mismatches;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
}

TEST_CASE("engine: files that are not images are refused clearly") {
  testing::TempDir dir;
  std::ofstream(dir.path() / "notes.txt") << "hello";
  EngineOptions opts;
  opts.root = dir.path();
  Engine engine(opts);
  auto file = engine.resolve("notes.txt");
  REQUIRE(file.ok());
  auto src = engine.open_source(*file);
  REQUIRE_FALSE(src.ok());
  CHECK(src.error().code == Errc::not_implemented);
}
