// TIFF header facts, stacks, computed levels, stored tiles, hostile files and concurrent reads.

#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <tiffio.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "imaging/engine.hpp"
#include "imaging/tiff_source.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

using namespace tessera;
using testing::TiffLayout;
using testing::TiffSpec;
using testing::written_value;

namespace {

std::shared_ptr<TiffSource> open_ok(const std::filesystem::path& path,
                                    const SourceOptions& options = {}) {
  auto src = TiffSource::open(path, options);
  if (!src.ok()) FAIL("open failed: " << src.error().message);
  return *src;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

// Every level read whole must either succeed or fail with a clean error; returns failures.
int read_everything(const ImageSource& src) {
  int failures = 0;
  for (std::size_t k = 0; k < src.info().levels.size(); ++k) {
    const LevelInfo& lv = src.info().levels[k];
    if (lv.width * lv.height > (1 << 24)) {  // absurd sizes: one tile is enough
      failures += !src.read_tile(k, 0, 0).ok();
      continue;
    }
    auto r = src.read_region(k, Rect{0, 0, lv.width, lv.height});
    if (!r.ok()) {
      CHECK((r.error().code == Errc::corrupt_image || r.error().code == Errc::not_implemented));
      ++failures;
    }
  }
  return failures;
}

// A minimal little-endian classic TIFF with one tiled 8-bit grey page, the tag values given.
std::string hand_made_tiff(std::uint32_t width, std::uint32_t height, std::uint32_t tile,
                           std::uint32_t tile_offset, std::uint32_t byte_count,
                           std::uint16_t compression = 1) {
  struct Entry {
    std::uint16_t tag, type;
    std::uint32_t count, value;
  };
  const Entry entries[] = {{256, 4, 1, width},       {257, 4, 1, height}, {258, 3, 1, 8},
                           {259, 3, 1, compression}, {262, 3, 1, 1},      {277, 3, 1, 1},
                           {322, 4, 1, tile},        {323, 4, 1, tile},   {324, 4, 1, tile_offset},
                           {325, 4, 1, byte_count}};
  std::string out;
  out.append({'I', 'I', 42, 0, 8, 0, 0, 0});
  const auto put16 = [&](std::uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); };
  const auto put32 = [&](std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  put16(static_cast<std::uint16_t>(std::size(entries)));
  for (const Entry& e : entries) {
    put16(e.tag);
    put16(e.type);
    put32(e.count);
    if (e.type == 3) {
      put16(static_cast<std::uint16_t>(e.value));
      put16(0);
    } else {
      put32(e.value);
    }
  }
  put32(0);
  out.append(4096, '\x11');  // some "pixel data"
  return out;
}

}  // namespace

TEST_CASE("tiff: header facts (ICC, XMP, resolution, tags, sample range)", "[tiff]") {
  testing::TempDir dir;
  TiffSpec s;
  s.bits = 16;
  s.icc = std::string("\0\0\x02\x0cicc-profile-bytes\x01\x02", 24);
  s.xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"></x:xmpmeta>";
  s.dpi = 600;
  s.sample_range = true;
  s.smin = 100;
  s.smax = 4000;
  s.tags = {{TIFFTAG_ARTIST, "A. Painter"},
            {TIFFTAG_COPYRIGHT, "https://creativecommons.org/licenses/by/4.0/"},
            {TIFFTAG_IMAGEDESCRIPTION, "a test"},
            {TIFFTAG_DATETIME, "2026:11:21 10:00:00"},
            {TIFFTAG_SOFTWARE, "tessera tests"},
            {TIFFTAG_MAKE, "Camera Co"},
            {TIFFTAG_MODEL, "M1"},
            {TIFFTAG_DOCUMENTNAME, "Plate 7"}};
  testing::write_tiff(dir.path() / "h.tif", s);
  auto src = open_ok(dir.path() / "h.tif");
  const ImageInfo& info = src->info();
  CHECK(info.icc_profile == s.icc);
  CHECK(info.xmp == s.xmp);
  CHECK(info.dpi_x == Approx(600).epsilon(1e-4));
  CHECK(info.dpi_y == Approx(600).epsilon(1e-4));
  CHECK(info.min_values == std::vector<double>{100});
  CHECK(info.max_values == std::vector<double>{4000});
  CHECK(info.metadata.at("creator") == "A. Painter");
  CHECK(info.metadata.at("rights") == "https://creativecommons.org/licenses/by/4.0/");
  CHECK(info.metadata.at("description") == "a test");
  CHECK(info.metadata.at("date") == "2026:11:21 10:00:00");
  CHECK(info.metadata.at("software") == "tessera tests");
  CHECK(info.metadata.at("make") == "Camera Co");
  CHECK(info.metadata.at("model") == "M1");
  CHECK(info.metadata.at("title") == "Plate 7");

  SECTION("without a stored range: the type's range, or the scanned range for float") {
    TiffSpec u;
    u.bits = 16;
    u.sample_format = SAMPLEFORMAT_INT;
    testing::write_tiff(dir.path() / "i.tif", u);
    auto i16 = open_ok(dir.path() / "i.tif");
    CHECK(i16->info().min_values == std::vector<double>{-32768});
    CHECK(i16->info().max_values == std::vector<double>{32767});

    TiffSpec f;
    f.bits = 32;
    f.sample_format = SAMPLEFORMAT_IEEEFP;
    f.width = 40;
    f.height = 30;
    testing::write_tiff(dir.path() / "f.tif", f);
    auto fl = open_ok(dir.path() / "f.tif");
    double lo = 1e300, hi = -1e300;
    for (int y = 0; y < 30; ++y)
      for (int x = 0; x < 40; ++x) {
        const double v = static_cast<float>(written_value(f, 0, 0, x, y, 0));
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    CHECK(fl->info().min_values[0] == lo);
    CHECK(fl->info().max_values[0] == hi);
  }
}

TEST_CASE("tiff: a stack of same-size pages, each with its own pyramid", "[tiff]") {
  const auto layout = GENERATE(TiffLayout::pages, TiffLayout::subifds);
  testing::TempDir dir;
  TiffSpec s;
  s.images = 3;
  s.levels = 2;
  s.layout = layout;
  const auto path = dir.path() / "stack.tif";
  testing::write_tiff(path, s);
  auto first = open_ok(path);
  REQUIRE(first->info().stack_size == 3);
  CHECK(first->info().stack_index == 0);
  for (std::size_t i = 0; i < 3; ++i) {
    auto img = first->stack_image(i);
    REQUIRE(img.ok());
    const ImageInfo& info = (*img)->info();
    CHECK(info.stack_index == i);
    REQUIRE(info.levels.size() >= 2);
    CHECK(info.levels[1].stored);
    for (std::size_t k = 0; k < 2; ++k) {
      auto px = (*img)->read_region(k, Rect{5, 6, 1, 1});
      REQUIRE(px.ok());
      CHECK(px->data[0] == written_value(s, static_cast<int>(i), static_cast<int>(k), 5, 6, 0));
    }
  }
  CHECK(first->stack_image(3).error().code == Errc::not_found);

  EngineOptions opts;
  opts.root = dir.path();
  Engine engine(opts);
  auto file = engine.resolve("stack.tif");
  REQUIRE(file.ok());
  auto third = engine.open_source(*file, 2);
  REQUIRE(third.ok());
  CHECK((*third)->info().stack_index == 2);
  CHECK(engine.cached_source(*file, 2) == *third);
  CHECK(engine.open_source(*file, 7).error().code == Errc::not_found);
}

TEST_CASE("tiff: single-resolution tiled and strip files get computed levels", "[tiff]") {
  const bool strips = GENERATE(false, true);
  testing::TempDir dir;
  TiffSpec s;
  s.width = 1201;
  s.height = 760;
  s.bits = 16;
  if (strips) s.tile_width = 0;

  std::ostringstream log;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
  spdlog::default_logger()->sinks().push_back(sink);
  testing::write_tiff(dir.path() / "flat.tif", s);
  auto src = open_ok(dir.path() / "flat.tif");
  spdlog::default_logger()->sinks().pop_back();
  CHECK(log.str().find("has no reduced levels") != std::string::npos);

  const ImageInfo& info = src->info();
  REQUIRE(info.levels.size() >= 3);
  CHECK(info.levels[0].stored);
  CHECK_FALSE(info.levels[1].stored);
  CHECK(info.levels[1].width == 601);
  CHECK(info.levels[2].width == 301);
  CHECK(info.levels[2].height == 190);
  const LevelInfo& last = info.levels.back();
  CHECK((last.width <= last.tile_width && last.height <= last.tile_height));

  // Level 2 averages the 4x4 blocks of the full level (fewer pixels at the edges).
  auto got = src->read_region(2, Rect{0, 0, 301, 190});
  REQUIRE(got.ok());
  int worst = 0;
  for (std::int64_t y = 0; y < 190; ++y)
    for (std::int64_t x = 0; x < 301; ++x) {
      double sum = 0;
      int n = 0;
      for (std::int64_t sy = y * 4; sy < std::min<std::int64_t>(y * 4 + 4, 760); ++sy)
        for (std::int64_t sx = x * 4; sx < std::min<std::int64_t>(x * 4 + 4, 1201); ++sx, ++n)
          sum += written_value(s, 0, 0, sx, sy, 0);
      std::uint16_t v;
      std::memcpy(&v, got->row(y) + x * 2, 2);
      worst = std::max(worst, static_cast<int>(std::abs(v - std::round(sum / n))));
    }
  CHECK(worst == 0);
  auto tile = src->read_tile(2, 1, 0);  // strips are served as 256-pixel tiles
  REQUIRE(tile.ok());
  CHECK(tile->width ==
        std::min<std::int64_t>(info.levels[2].tile_width, 301 - info.levels[2].tile_width));
}

TEST_CASE("tiff: stored tiles are handed out as the file holds them", "[tiff]") {
  testing::TempDir dir;
  TiffSpec s;
  s.samples = 3;
  s.photometric = PHOTOMETRIC_YCBCR;
  s.compression = COMPRESSION_JPEG;
  s.levels = 2;
  testing::write_tiff(dir.path() / "j.tif", s);
  auto src = open_ok(dir.path() / "j.tif");
  auto raw = src->read_stored_tile(0, 1, 1);
  REQUIRE(raw.ok());
  CHECK(raw->codec == StoredTile::Codec::jpeg);
  CHECK(raw->ycbcr);
  CHECK(raw->width == 64);
  REQUIRE(raw->jpeg_tables.size() > 4);
  // Tables (SOI..EOI) followed by the tile without its SOI form a standalone JPEG.
  std::string jpeg(raw->jpeg_tables, 0, raw->jpeg_tables.size() - 2);
  jpeg.append(raw->data, 2);
  const Raster decoded = testing::decode_jpeg(jpeg);
  auto pixels = src->read_tile(0, 1, 1);
  REQUIRE(pixels.ok());
  CHECK(testing::compare(decoded, *pixels).mean < 1.0);
  for (const LevelInfo& level : src->info().levels) CHECK(level.encoded_tiles == level.stored);

  TiffSpec d;
  d.compression = COMPRESSION_ADOBE_DEFLATE;
  d.tile_width = 0;
  testing::write_tiff(dir.path() / "s.tif", d);
  CHECK(open_ok(dir.path() / "s.tif")->read_stored_tile(0, 0, 0).error().code ==
        Errc::not_implemented);
  // Levels say whether their tiles can be handed out before anyone reads one.
  TiffSpec tiled_deflate;
  tiled_deflate.compression = COMPRESSION_ADOBE_DEFLATE;
  testing::write_tiff(dir.path() / "t.tif", tiled_deflate);
  const auto deflated = open_ok(dir.path() / "t.tif");
  for (const LevelInfo& level : deflated->info().levels) CHECK_FALSE(level.encoded_tiles);
}

TEST_CASE("tiff: corrupt, truncated and hostile files are refused cleanly", "[tiff]") {
  testing::TempDir dir;
  const auto path = dir.path() / "bad.tif";

  SECTION("truncated at several points") {
    TiffSpec s;
    s.samples = 3;
    s.photometric = PHOTOMETRIC_RGB;
    s.levels = 3;
    s.compression = COMPRESSION_ADOBE_DEFLATE;
    s.layout = TiffLayout::pages;
    testing::write_tiff(path, s);
    const std::string whole = read_file(path);
    // Cuts into the header or the full level's data must fail; later cuts may only lose the
    // small levels' directories and leave a readable file.
    int refused = 0;
    for (double f : {0.005, 0.1, 0.5, 0.9, 0.99}) {
      write_file(path, whole.substr(0, static_cast<std::size_t>(whole.size() * f)));
      auto src = TiffSource::open(path);
      if (src.ok()) {
        refused += read_everything(**src) > 0;
      } else {
        CHECK(src.error().code == Errc::corrupt_image);
        ++refused;
      }
    }
    CHECK(refused >= 3);
  }
  SECTION("absurd dimensions with a few bytes of data") {
    write_file(path, hand_made_tiff(4000000000u, 4000000000u, 256, 200, 100));
    auto src = TiffSource::open(path);
    if (src.ok()) CHECK(read_everything(**src) > 0);
  }
  SECTION("a tile offset past the end of the file") {
    write_file(path, hand_made_tiff(256, 256, 256, 0x7fffff00, 65536));
    auto src = TiffSource::open(path);
    REQUIRE(src.ok());
    CHECK(read_everything(**src) > 0);
  }
  SECTION("a byte count far larger than the file") {
    write_file(path, hand_made_tiff(256, 256, 256, 200, 0x7fffffff, COMPRESSION_ADOBE_DEFLATE));
    auto src = TiffSource::open(path);
    if (src.ok()) CHECK(read_everything(**src) > 0);
  }
  SECTION("a tile too large to decode") {
    write_file(path, hand_made_tiff(65536, 65536, 65536, 200, 100));
    auto src = TiffSource::open(path);
    if (src.ok()) CHECK_FALSE(src.value()->read_tile(0, 0, 0).ok());
  }
  SECTION("a computed level that would average more than a gigasample is refused up front") {
    write_file(path, hand_made_tiff(40000, 40000, 256, 200, 100));
    auto src = TiffSource::open(path);
    REQUIRE(src.ok());
    const std::size_t deepest = src.value()->info().levels.size() - 1;
    REQUIRE_FALSE(src.value()->info().levels[deepest].stored);
    auto thumb = src.value()->read_tile(deepest, 0, 0);
    REQUIRE_FALSE(thumb.ok());
    CHECK(thumb.error().code == Errc::payload_too_large);
  }
  SECTION("a deflate bomb: garbage that inflates past the tile is cut at the tile size") {
    std::string file = hand_made_tiff(64, 64, 64, 200, 4096, COMPRESSION_ADOBE_DEFLATE);
    write_file(path, file);
    auto src = TiffSource::open(path);
    REQUIRE(src.ok());
    read_everything(**src);  // whatever it decodes, no crash and no overrun (checked by ASan)
  }
  SECTION("an unsupported but valid layout says what is missing") {
    TiffSpec s;
    s.bits = 16;
    s.sample_format = SAMPLEFORMAT_IEEEFP;  // half floats
    testing::write_tiff(path, s);
    auto src = TiffSource::open(path);
    REQUIRE_FALSE(src.ok());
    CHECK(src.error().code == Errc::not_implemented);
    CHECK(src.error().message.find("16-bit float") != std::string::npos);
  }
}

TEST_CASE("tiff: 8 threads reading one file get every tile right", "[tiff]") {
  testing::TempDir dir;
  TiffSpec s;
  s.width = 700;
  s.height = 500;
  s.samples = 3;
  s.photometric = PHOTOMETRIC_RGB;
  s.levels = 3;
  s.compression = COMPRESSION_ZSTD;
  testing::write_tiff(dir.path() / "c.tif", s);
  SourceOptions options;
  options.max_open_files = 3;  // fewer idle handles than threads: handles come and go
  auto src = open_ok(dir.path() / "c.tif", options);

  std::atomic<int> wrong{0}, reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round)
        for (std::size_t k = 0; k < 3; ++k) {
          const LevelInfo& lv = src->info().levels[k];
          for (std::int64_t ty = 0; ty * 64 < lv.height; ++ty)
            for (std::int64_t tx = 0; tx * 64 < lv.width; ++tx) {
              if ((tx + ty + t) % 2) continue;  // threads overlap on half the tiles
              auto tile = src->read_tile(k, tx, ty);
              ++reads;
              if (!tile.ok()) {
                ++wrong;
                continue;
              }
              for (std::int64_t y = 0; y < tile->height; y += 7)
                for (std::int64_t x = 0; x < tile->width; x += 5)
                  if (tile->row(y)[x * 3 + 1] !=
                      written_value(s, 0, static_cast<int>(k), tx * 64 + x, ty * 64 + y, 1))
                    ++wrong;
            }
        }
    });
  for (auto& th : threads) th.join();
  CHECK(reads > 300);
  CHECK(wrong == 0);
}

TEST_CASE("tiff: idle file handles are bounded across images", "[tiff]") {
  testing::TempDir dir;
  TiffSpec s;
  std::vector<std::shared_ptr<TiffSource>> sources;
  SourceOptions options;
  options.max_open_files = 2;
  for (const char* name : {"f0.tif", "f1.tif", "f2.tif", "f3.tif", "f4.tif", "f5.tif"}) {
    const auto p = dir.path() / name;
    testing::write_tiff(p, s);
    sources.push_back(open_ok(p, options));
    REQUIRE(sources.back()->read_tile(0, 0, 0).ok());
  }
  int open_in_dir = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.string().rfind(dir.path().string(), 0) == 0) ++open_in_dir;
  }
  CHECK(open_in_dir <= 2);
}

TEST_CASE("tiff: a 350-gigapixel BigTIFF (sparse) is addressed with 64-bit coordinates", "[tiff]") {
  // The size of a published electron-microscopy map; only two tiles hold data.
  constexpr std::uint32_t width = 921600, height = 380928, tile = 1024;
  testing::TempDir dir;
  const auto path = dir.path() / "huge.tif";
  {
    TIFF* tif = TIFFOpen(path.c_str(), "w8");
    REQUIRE(tif);
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, tile);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, tile);
    std::vector<std::uint8_t> block(tile * tile);
    for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<std::uint8_t>(i % 251);
    const auto size = static_cast<tmsize_t>(block.size());
    REQUIRE(TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, 0, 0, 0, 0), block.data(), size) > 0);
    REQUIRE(TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, width - 1, height - 1, 0, 0),
                                 block.data(), size) > 0);
    REQUIRE(TIFFWriteDirectory(tif));
    TIFFClose(tif);
  }
  auto src = open_ok(path);
  const ImageInfo& info = src->info();
  CHECK(info.width() == width);
  CHECK(info.height() == height);
  CHECK(info.width() * info.height() == 351063244800LL);
  // The last tile, at pixel offsets past 2^31 when multiplied out, reads back exactly.
  const std::int64_t tx = (width - 1) / tile, ty = (height - 1) / tile;
  auto last = src->read_tile(0, tx, ty);
  REQUIRE(last.ok());
  CHECK(last->width == width - tx * tile);
  CHECK(last->height == height - ty * tile);
  CHECK(last->row(7)[9] == (7 * tile + 9) % 251);
  auto region = src->read_region(0, Rect{width - 100, height - 50, 100, 50});
  REQUIRE(region.ok());
  const std::int64_t lx = width - 100 - tx * tile, ly = height - 50 - ty * tile;
  CHECK(region->row(0)[0] == (ly * tile + lx) % 251);
  // A tile never written is refused cleanly, not read from nowhere.
  auto empty = src->read_tile(0, 5, 5);
  if (!empty.ok()) CHECK(empty.error().code == Errc::corrupt_image);
}
