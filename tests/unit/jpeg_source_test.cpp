#include <turbojpeg.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "imaging/jpeg_source.hpp"
#include "imaging/pyramid_writer.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
using testing::compare;
using testing::crop;
using testing::decode_jpeg;
using testing::test_pattern;

namespace {

// Grey, RGB, or (4 bands) CMYK, which TurboJPEG writes as YCCK.
std::string encode(const Raster& r, int subsampling, int quality, int flags = 0) {
  tjhandle tj = tjInitCompress();
  REQUIRE(tj != nullptr);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  const int format = r.bands == 1 ? TJPF_GRAY : r.bands == 4 ? TJPF_CMYK : TJPF_RGB;
  const int rc =
      tjCompress2(tj, r.data.data(), static_cast<int>(r.width), 0, static_cast<int>(r.height),
                  format, &out, &size, r.bands == 1 ? TJSAMP_GRAY : subsampling, quality, flags);
  std::string bytes(reinterpret_cast<const char*>(out), size);
  tjFree(out);
  tjDestroy(tj);
  REQUIRE(rc == 0);
  return bytes;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

std::size_t be16(const std::string& s, std::size_t i) {
  return std::size_t{static_cast<unsigned char>(s[i])} << 8 | static_cast<unsigned char>(s[i + 1]);
}

std::string segment(int marker, const std::string& payload) {
  const std::size_t length = payload.size() + 2;
  std::string s{'\xFF', static_cast<char>(marker), static_cast<char>(length >> 8),
                static_cast<char>(length & 0xFF)};
  return s + payload;
}

// Offset of the first marker segment `marker` (walking segment lengths from SOI), or npos.
std::size_t find_segment(const std::string& jpeg, int marker) {
  std::size_t i = 2;
  while (i + 4 <= jpeg.size() && static_cast<unsigned char>(jpeg[i]) == 0xFF) {
    if (static_cast<unsigned char>(jpeg[i + 1]) == marker) return i;
    if (static_cast<unsigned char>(jpeg[i + 1]) == 0xDA) break;
    i += 2 + be16(jpeg, i + 2);
  }
  return std::string::npos;
}

// Replaces the JFIF APP0 that tjCompress2 writes with `segments`.
std::string with_segments(std::string jpeg, const std::string& segments) {
  const std::size_t app0 = find_segment(jpeg, 0xE0);
  if (app0 != std::string::npos) jpeg.erase(app0, 2 + be16(jpeg, app0 + 2));
  return jpeg.insert(2, segments);
}

std::shared_ptr<JpegSource> open_file(const std::filesystem::path& path) {
  auto s = JpegSource::open(path, {});
  INFO((s.ok() ? std::string() : s.error().message));
  REQUIRE(s.ok());
  return *s;
}

std::shared_ptr<JpegSource> open_bytes(const testing::TempDir& dir, const std::string& name,
                                       const std::string& bytes) {
  write_file(dir.path() / name, bytes);
  return open_file(dir.path() / name);
}

Raster read(const ImageSource& src, std::size_t level, const Rect& r) {
  auto pixels = src.read_region(level, r);
  INFO((pixels.ok() ? std::string() : pixels.error().message));
  REQUIRE(pixels.ok());
  return *pixels;
}

Raster whole(const ImageSource& src, std::size_t level) {
  const LevelInfo& lv = src.info().levels[level];
  return read(src, level, Rect{0, 0, lv.width, lv.height});
}

// Mean of each factor x factor block of `in`, over the pixels that exist at the edges.
Raster box_average(const Raster& in, std::int64_t factor) {
  Raster out(ceil_div(in.width, factor), ceil_div(in.height, factor), in.bands);
  for (std::int64_t y = 0; y < out.height; ++y)
    for (std::int64_t x = 0; x < out.width; ++x)
      for (int b = 0; b < in.bands; ++b) {
        int sum = 0, n = 0;
        for (std::int64_t sy = y * factor; sy < std::min(in.height, (y + 1) * factor); ++sy)
          for (std::int64_t sx = x * factor; sx < std::min(in.width, (x + 1) * factor); ++sx, ++n)
            sum += in.row(sy)[sx * in.bands + b];
        out.row(y)[x * in.bands + b] = static_cast<std::uint8_t>((sum + n / 2) / n);
      }
  return out;
}

Raster tile(const ImageSource& src, std::size_t level, std::int64_t x, std::int64_t y) {
  auto pixels = src.read_tile(level, x, y);
  INFO((pixels.ok() ? std::string() : pixels.error().message));
  REQUIRE(pixels.ok());
  return *pixels;
}

// A smooth image (gradients and a slow wave): the content DCT scaling is meant for.
Raster smooth_pattern(std::int64_t w, std::int64_t h) {
  Raster r(w, h, 3);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) {
      std::uint8_t* p = r.row(y) + x * 3;
      p[0] = static_cast<std::uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<std::uint8_t>(y * 255 / (h - 1));
      p[2] = static_cast<std::uint8_t>(128 + 100 * std::sin(static_cast<double>(x + y) / 40));
    }
  return r;
}

// A named check: Catch would otherwise print megabytes of samples on failure (or with -s).
bool same(const Raster& a, const Raster& b) {
  return a.width == b.width && a.height == b.height && a.bands == b.bands && a.data == b.data;
}

std::vector<Raster> all_tiles(const ImageSource& src, std::size_t level, std::size_t start = 0) {
  const LevelInfo& lv = src.info().levels[level];
  const std::int64_t nx = ceil_div(lv.width, lv.tile_width),
                     ny = ceil_div(lv.height, lv.tile_height);
  const auto n = static_cast<std::size_t>(nx * ny);
  std::vector<Raster> tiles(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (k + start) % n;
    auto t =
        src.read_tile(level, static_cast<std::int64_t>(i) % nx, static_cast<std::int64_t>(i) / nx);
    if (t.ok()) tiles[i] = std::move(*t);
  }
  return tiles;
}

}  // namespace

TEST_CASE("jpeg source: info of RGB and grey files", "[jpeg]") {
  testing::TempDir dir;
  const Raster rgb = test_pattern(1001, 667, 3);
  auto src = open_bytes(dir, "rgb.jpg", encode(rgb, TJSAMP_420, 90));
  const ImageInfo& info = src->info();
  CHECK(info.format == "jpeg");
  CHECK(info.bands == 3);
  CHECK(info.colour == ColourSpace::rgb);
  CHECK(info.bits_per_sample == 8);
  CHECK(info.sample_type == SampleType::u8);
  CHECK_FALSE(info.has_alpha);
  CHECK(info.min_values == std::vector<double>{0, 0, 0});
  CHECK(info.max_values == std::vector<double>{255, 255, 255});
  CHECK(info.dpi_x == 0);  // tjCompress2's JFIF header gives an aspect ratio only
  CHECK(info.icc_profile.empty());
  CHECK(info.xmp.empty());
  // 1/2 and 1/4 (TJSCALED rounds up); 1/4 fits a tile, so no 1/8 and no computed level.
  REQUIRE(info.levels.size() == 3);
  const std::int64_t sizes[3][2] = {{1001, 667}, {501, 334}, {251, 167}};
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(info.levels[k].width == sizes[k][0]);
    CHECK(info.levels[k].height == sizes[k][1]);
    CHECK(info.levels[k].tile_width == 256);
    CHECK(info.levels[k].tile_height == 256);
    CHECK(info.levels[k].stored);
  }

  auto grey = open_bytes(dir, "grey.jpg", encode(test_pattern(1001, 667, 1), TJSAMP_GRAY, 90));
  CHECK(grey->info().bands == 1);
  CHECK(grey->info().colour == ColourSpace::grey);
  CHECK(grey->info().max_values == std::vector<double>{255});
  CHECK(grey->info().levels.size() == 3);
  CHECK(whole(*grey, 2).bands == 1);

  // Larger: three DCT levels, then computed ones down to one tile.
  auto big = open_bytes(dir, "big.jpg", encode(test_pattern(2200, 1500, 3), TJSAMP_420, 80));
  const auto& levels = big->info().levels;
  REQUIRE(levels.size() == 5);
  CHECK(levels[3].width == 275);   // ceil(2200 / 8)
  CHECK(levels[3].height == 188);  // ceil(1500 / 8)
  CHECK(levels[3].stored);
  CHECK(levels[4].width == 138);
  CHECK(levels[4].height == 94);
  CHECK_FALSE(levels[4].stored);
  CHECK(levels[4].tile_width == 256);

  auto small = open_bytes(dir, "small.jpg", encode(test_pattern(200, 100, 3), TJSAMP_444, 90));
  CHECK(small->info().levels.size() == 1);
}

TEST_CASE("jpeg source: level 0 regions equal a full decode", "[jpeg]") {
  testing::TempDir dir;
  for (int bands : {3, 1}) {
    const std::string bytes = encode(test_pattern(1001, 667, bands), TJSAMP_420, 92);
    const Raster expected = decode_jpeg(bytes);
    auto src = open_bytes(dir, "a.jpg", bytes);
    for (const Rect& r : {Rect{300, 200, 256, 256}, Rect{768, 512, 233, 155}, Rect{0, 0, 1, 667},
                          Rect{1000, 666, 1, 1}, Rect{0, 0, 1001, 667}}) {
      INFO("bands " << bands << " region " << r.x << "," << r.y << "," << r.w << "," << r.h);
      const Raster got = read(*src, 0, r);
      CHECK(same(got, crop(expected, r.x, r.y, r.w, r.h)));
    }
    auto edge = src->read_tile(0, 3, 2);  // x 768..1000, y 512..666
    REQUIRE(edge.ok());
    CHECK(edge->width == 233);
    CHECK(edge->height == 155);
  }
}

TEST_CASE("jpeg source: DCT-scaled levels approximate box averages", "[jpeg]") {
  testing::TempDir dir;
  // q100 4:4:4, so what remains is how DCT scaling differs from a box filter. The reduced IDCT
  // of each 8x8 block's lowest frequencies is close to the block's box average: measured mean
  // differences are 0.35 to 0.58 on both images (the striped pattern's steps make single pixels
  // ring by up to 22 at 1/8). The bounds leave about twice that; a wrong scale, a pixel of
  // offset on the striped pattern or swapped bands give 15 or more.
  struct Case {
    Raster full;
    double bound;
  };
  const Case cases[] = {{smooth_pattern(2200, 1500), 1.0}, {test_pattern(2200, 1500, 3), 1.2}};
  for (const Case& c : cases) {
    auto src = open_bytes(dir, "s.jpg", encode(c.full, TJSAMP_444, 100));
    for (std::size_t k = 1; k <= 3; ++k) {
      const Raster level = whole(*src, k);
      const Raster box = box_average(c.full, std::int64_t{1} << k);
      REQUIRE(level.width == box.width);
      REQUIRE(level.height == box.height);
      const auto d = compare(level, box);
      INFO("level " << k << " mean " << d.mean << " max " << d.max);
      CHECK(d.mean < c.bound);

      // A region of the level is the same crop of the whole level.
      const Rect r{level.width / 3, level.height / 4, level.width / 2,
                   level.height - level.height / 4};
      CHECK(same(read(*src, k, r), crop(level, r.x, r.y, r.w, r.h)));
    }
  }
}

TEST_CASE("jpeg source: computed levels average the 1/8 level", "[jpeg]") {
  testing::TempDir dir;
  auto src = open_bytes(dir, "c.jpg", encode(test_pattern(2200, 1500, 3), TJSAMP_420, 90));
  REQUIRE(src->info().levels.size() == 5);
  const Raster eighth = whole(*src, 3);
  const Raster computed = whole(*src, 4);
  // The base class and halve() both take the mean of each 2x2 block (edges: of the pixels that
  // exist) and round halves up, so they agree exactly.
  CHECK(same(computed, halve(eighth)));
  CHECK(same(read(*src, 4, Rect{100, 50, 38, 44}), crop(computed, 100, 50, 38, 44)));
}

TEST_CASE("jpeg source: ICC profile, XMP and JFIF density", "[jpeg]") {
  testing::TempDir dir;
  const std::string base = encode(test_pattern(300, 200, 3), TJSAMP_444, 95);

  // A 150000-byte profile needs three APP2 chunks; they are written out of order.
  std::string icc(150000, '\0');
  for (std::size_t i = 0; i < icc.size(); ++i) icc[i] = static_cast<char>((i * 7 + i / 251) & 0xFF);
  const std::string id("ICC_PROFILE\0", 12);
  auto chunk = [&](int seq, int count, std::size_t from, std::size_t n) {
    return segment(0xE2, id + char(seq) + char(count) + icc.substr(from, n));
  };
  const std::string xmp = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF/></x:xmpmeta>";
  const std::string xmp_seg =
      segment(0xE1, std::string("http://ns.adobe.com/xap/1.0/\0", 29) + xmp);
  // JFIF 1.02, units 2 (dots per cm), 118 x 59.
  const std::string jfif_cm =
      segment(0xE0, std::string("JFIF\0\x01\x02\x02\x00\x76\x00\x3B\0\0", 14));
  const std::string jpeg =
      with_segments(base, jfif_cm + chunk(2, 3, 65000, 65000) + xmp_seg + chunk(1, 3, 0, 65000) +
                              chunk(3, 3, 130000, 20000));
  auto src = open_bytes(dir, "meta.jpg", jpeg);
  const ImageInfo& info = src->info();
  CHECK(info.icc_profile == icc);
  CHECK(info.xmp == xmp);
  CHECK(info.dpi_x == Approx(118 * 2.54));
  CHECK(info.dpi_y == Approx(59 * 2.54));
  CHECK(same(whole(*src, 0), decode_jpeg(base)));

  const std::string jfif_in =
      segment(0xE0, std::string("JFIF\0\x01\x01\x01\x01\x2C\x00\x96\0\0", 14));
  auto dpi = open_bytes(dir, "dpi.jpg", with_segments(base, jfif_in));
  CHECK(dpi->info().dpi_x == 300);
  CHECK(dpi->info().dpi_y == 150);

  // Malformed: a missing ICC chunk, an inconsistent count, a JFIF segment too short, an XMP
  // identifier without its packet. All ignored; the image still reads.
  const std::string bad = with_segments(base, segment(0xE0, std::string("JFIF\0\x01\x01", 7)) +
                                                  chunk(1, 3, 0, 100) + chunk(2, 4, 100, 100) +
                                                  segment(0xE1, "http://ns.adobe.com/xap/1.0/"));
  auto malformed = open_bytes(dir, "bad.jpg", bad);
  CHECK(malformed->info().icc_profile.empty());
  CHECK(malformed->info().xmp.empty());
  CHECK(malformed->info().dpi_x == 0);
  CHECK(same(whole(*malformed, 0), decode_jpeg(base)));
  auto missing = open_bytes(dir, "missing.jpg", with_segments(base, chunk(1, 2, 0, 100)));
  CHECK(missing->info().icc_profile.empty());
}

TEST_CASE("jpeg source: damaged and hostile files give errors", "[jpeg]") {
  testing::TempDir dir;
  const std::string good = encode(test_pattern(600, 400, 3), TJSAMP_420, 90);
  const std::size_t sos = find_segment(good, 0xDA);
  REQUIRE(sos != std::string::npos);
  const std::size_t scan = sos + 2 + be16(good, sos + 2);  // first byte of entropy-coded data
  const std::size_t data = good.size() - 2 - scan;

  // Each file must fail to open, or fail to read at every stored level; never crash.
  auto fails = [&](const std::string& name, const std::string& bytes) {
    INFO(name);
    write_file(dir.path() / name, bytes);
    auto src = JpegSource::open(dir.path() / name, {});
    if (!src.ok()) {
      CHECK(src.error().code == Errc::corrupt_image);
      CHECK(src.error().message.rfind("image could not be read: ", 0) == 0);
      CHECK(src.error().message.find(dir.path().string()) == std::string::npos);
      return;
    }
    for (std::size_t k = 0; k < (*src)->info().levels.size(); ++k) {
      const LevelInfo& lv = (*src)->info().levels[k];
      auto r = (*src)->read_region(k, Rect{0, 0, lv.width, lv.height});
      REQUIRE_FALSE(r.ok());
      CHECK(r.error().code == Errc::corrupt_image);
      CHECK(r.error().message.find(name) == std::string::npos);
    }
  };

  fails("empty.jpg", "");
  fails("soi.jpg", good.substr(0, 2));
  fails("soi_eoi.jpg", "\xFF\xD8\xFF\xD9");
  for (std::size_t cut : {std::size_t{3}, std::size_t{20}, sos - 10, sos + 4, scan})
    fails("cut" + std::to_string(cut) + ".jpg", good.substr(0, cut));
  // In the scan data, and just the EOI missing: without its EOI a file counts as truncated.
  for (std::size_t cut : {scan + data / 4, scan + data / 2, scan + data * 3 / 4, good.size() - 2})
    fails("cut" + std::to_string(cut) + ".jpg", good.substr(0, cut));

  std::mt19937 random(42);
  std::string garbage = good.substr(0, 2);
  for (int i = 0; i < 5000; ++i) garbage += static_cast<char>(random() & 0xFF);
  fails("garbage.jpg", garbage);
  fails("headers_only.jpg", good.substr(0, scan) + "\xFF\xD9");

  // Absurd dimensions for the data: 60000 x 60000 in the frame header of a 600 x 400 file.
  std::string huge = good;
  const std::size_t sof = find_segment(huge, 0xC0);
  REQUIRE(sof != std::string::npos);
  huge[sof + 5] = huge[sof + 7] = '\xEA';  // 0xEA60 = 60000
  huge[sof + 6] = huge[sof + 8] = '\x60';
  fails("huge.jpg", huge);

  // Damaged entropy-coded data in a complete file: libjpeg recovers (as browsers do); whatever
  // the outcome, no crash and the sizes stay right.
  std::string damaged = good;
  for (std::size_t i = scan + data / 3; i < scan + data / 3 + 200; ++i)
    damaged[i] = static_cast<char>(random() & 0x7F);
  write_file(dir.path() / "damaged.jpg", damaged);
  auto src = JpegSource::open(dir.path() / "damaged.jpg", {});
  REQUIRE(src.ok());
  auto r = (*src)->read_region(0, Rect{0, 0, 600, 400});
  if (r.ok()) CHECK(r->data.size() == 600u * 400 * 3);

  // Replaced by another image after open (the engine reopens on a new stamp; this is the race).
  write_file(dir.path() / "replaced.jpg", good);
  auto replaced = JpegSource::open(dir.path() / "replaced.jpg", {});
  REQUIRE(replaced.ok());
  write_file(dir.path() / "replaced.jpg", encode(test_pattern(500, 400, 3), TJSAMP_420, 90));
  auto changed = (*replaced)->read_region(0, Rect{0, 0, 10, 10});
  REQUIRE_FALSE(changed.ok());
  CHECK(changed.error().code == Errc::corrupt_image);
}

TEST_CASE("jpeg source: CMYK files are not supported", "[jpeg]") {
  testing::TempDir dir;
  write_file(dir.path() / "cmyk.jpg", encode(test_pattern(64, 48, 4), TJSAMP_444, 90));
  auto src = JpegSource::open(dir.path() / "cmyk.jpg", {});
  REQUIRE_FALSE(src.ok());
  CHECK(src.error().code == Errc::not_implemented);
  CHECK(src.error().message == "CMYK JPEG images are not supported");
}

TEST_CASE("jpeg source: oversized decodes are refused", "[jpeg]") {
  testing::TempDir dir;
  // A progressive 20000 x 20000 frame needs 2.4 GB of coefficients at any scale; the padding
  // after EOI makes the file long enough to be plausible.
  std::string prog = encode(test_pattern(64, 64, 3), TJSAMP_444, 90, TJFLAG_PROGRESSIVE);
  const std::size_t sof = find_segment(prog, 0xC2);
  REQUIRE(sof != std::string::npos);
  prog[sof + 5] = prog[sof + 7] = '\x4E';  // 0x4E20 = 20000
  prog[sof + 6] = prog[sof + 8] = '\x20';
  prog += std::string(3u << 20, '\0');
  auto src = open_bytes(dir, "prog.jpg", prog);
  REQUIRE(src->info().levels.size() == 8);
  for (std::size_t k : {std::size_t{0}, std::size_t{3}, std::size_t{7}}) {
    auto r = src->read_tile(k, 0, 0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::payload_too_large);
    CHECK(r.error().message == "image too large to decode at this size");
  }
}

TEST_CASE("jpeg source: concurrent tile reads equal single-threaded ones", "[jpeg]") {
  testing::TempDir dir;
  write_file(dir.path() / "t.jpg", encode(test_pattern(2200, 1500, 3), TJSAMP_420, 90));
  auto reference = open_file(dir.path() / "t.jpg");
  const std::vector<Raster> expected[2] = {all_tiles(*reference, 0), all_tiles(*reference, 1)};
  for (const auto& tiles : expected)
    for (const Raster& t : tiles) REQUIRE_FALSE(t.empty());

  auto shared = open_file(dir.path() / "t.jpg");  // cold cache: the threads race to decode
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (std::size_t level : {i % 2, 1 - i % 2}) {
        const auto tiles = all_tiles(*shared, level, i * 7);
        for (std::size_t t = 0; t < tiles.size(); ++t)
          if (tiles[t].empty() || !same(tiles[t], expected[level][t])) ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("jpeg source: the decoded-level cache does not change results", "[jpeg]") {
  testing::TempDir dir;
  const std::string bytes = encode(test_pattern(2200, 1500, 3), TJSAMP_420, 90);
  const Raster full = decode_jpeg(bytes);
  auto src = open_bytes(dir, "c.jpg", bytes);
  const Raster first = tile(*src, 0, 2, 3);
  CHECK(same(first, crop(full, 512, 768, 256, 256)));
  const Raster other = tile(*src, 2, 1, 1);
  CHECK(same(tile(*src, 0, 2, 3), first));
  CHECK(same(tile(*src, 2, 1, 1), other));
  CHECK(same(tile(*src, 1, 0, 0), crop(whole(*src, 1), 0, 0, 256, 256)));
  CHECK(same(tile(*src, 0, 2, 3), first));

  // Level 0 of this one (67.1 MB) is larger than the cache and is decoded per request.
  const std::string large = encode(test_pattern(4740, 4720, 3), TJSAMP_420, 75);
  const Raster large_full = decode_jpeg(large);
  auto big = open_bytes(dir, "large.jpg", large);
  const Raster a = tile(*big, 0, 10, 7);
  CHECK(same(a, crop(large_full, 2560, 1792, 256, 256)));
  const Raster b = tile(*big, 1, 3, 3);
  CHECK(same(tile(*big, 0, 10, 7), a));
  CHECK(same(tile(*big, 1, 3, 3), b));
}
