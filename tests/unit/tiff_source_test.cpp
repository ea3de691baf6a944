// Every TIFF layout, compression, sample layout and colour space: files are written with libtiff
// by the test (tiff_writer), then every level is read back and compared with the written values.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
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

double sample_at(const Raster& r, std::int64_t x, std::int64_t y, int band) {
  return with_sample_type(r.type, [&](auto t) {
    using T = decltype(t);
    T v;
    std::memcpy(&v, r.row(y) + (static_cast<std::size_t>(x) * r.bands + band) * sizeof(T),
                sizeof(T));
    return static_cast<double>(v);
  });
}

// What a reader must deliver for the written value, following the TIFF 6 definitions of each
// photometric interpretation (not the code under test).
double expected(const TiffSpec& s, int image, int level, std::int64_t x, std::int64_t y, int band) {
  const double v = written_value(s, image, level, x, y, band);
  const double max = std::exp2(s.bits) - 1;
  switch (s.photometric) {
    case PHOTOMETRIC_PALETTE:
      return testing::palette_entry(
                 band, static_cast<std::uint32_t>(written_value(s, image, level, x, y, 0))) >>
             8;
    case PHOTOMETRIC_CIELAB:
      if (band == 0) return v * 100.0 / max;
      return s.bits == 16 ? v / 256.0 : v;
    case PHOTOMETRIC_YCBCR:
      if (s.compression != COMPRESSION_JPEG) return written_value(s, image, level, x, y, 0);
      return v;
    case PHOTOMETRIC_SEPARATED:
      return 255 - written_value(s, image, level, x, y, 3);
    case PHOTOMETRIC_MINISWHITE:
      if (s.bits < 8) return 255 - v * 255 / max;
      return max - v;
    default:
      if (s.bits < 8) return std::floor(v * 255 / max);
      if (s.sample_format == SAMPLEFORMAT_IEEEFP && s.bits == 32)
        return static_cast<double>(static_cast<float>(v));
      return v;
  }
}

std::shared_ptr<TiffSource> write_and_open(const testing::TempDir& dir, const TiffSpec& spec,
                                           const SourceOptions& options = {}) {
  const auto path = dir.path() / "t.tif";
  testing::write_tiff(path, spec);
  auto src = TiffSource::open(path, options);
  if (!src.ok()) FAIL("open failed: " << src.error().message);
  return *src;
}

// Reads each stored level whole, and one interior region, and compares every sample.
// `tolerance` bounds every sample's error; lossy files also keep the mean error under a quarter
// of it.
void check_levels(const ImageSource& src, const TiffSpec& s, int image, double tolerance) {
  const ImageInfo& info = src.info();
  for (int k = 0; k < s.levels; ++k) {
    const LevelInfo& lv = info.levels[static_cast<std::size_t>(k)];
    INFO("level " << k << " of " << lv.width << "x" << lv.height);
    REQUIRE(lv.stored);
    REQUIRE(lv.width == (s.width + (1 << k) - 1) >> k);
    auto whole = src.read_region(static_cast<std::size_t>(k), Rect{0, 0, lv.width, lv.height});
    REQUIRE(whole.ok());
    double worst = 0, total = 0;
    for (std::int64_t y = 0; y < lv.height; ++y)
      for (std::int64_t x = 0; x < lv.width; ++x)
        for (int b = 0; b < info.bands; ++b) {
          const double e = std::abs(sample_at(*whole, x, y, b) - expected(s, image, k, x, y, b));
          worst = std::max(worst, e);
          total += e;
        }
    CHECK(worst <= tolerance);
    CHECK(total / static_cast<double>(lv.width * lv.height * info.bands) <= tolerance / 4);
    if (lv.width > 20 && lv.height > 20) {
      const Rect r{lv.width / 3, lv.height / 4, lv.width / 2, lv.height / 2};
      auto part = src.read_region(static_cast<std::size_t>(k), r);
      REQUIRE(part.ok());
      CHECK(part->data == testing::crop(*whole, r.x, r.y, r.w, r.h).data);
    }
  }
}

TiffSpec rgb8() {
  TiffSpec s;
  s.samples = 3;
  s.photometric = PHOTOMETRIC_RGB;
  return s;
}

}  // namespace

TEST_CASE("tiff: pyramid layouts (pages, reversed pages, SubIFDs) with non-square tiles",
          "[tiff]") {
  const auto layout = GENERATE(TiffLayout::pages, TiffLayout::pages_reversed, TiffLayout::subifds);
  testing::TempDir dir;
  TiffSpec s = rgb8();
  s.width = 333;
  s.height = 250;
  s.levels = 3;
  s.tile_width = 64;
  s.tile_height = 32;
  s.layout = layout;
  s.thumbnail = layout == TiffLayout::pages;  // a slide scanner's thumbnail is ignored
  auto src = write_and_open(dir, s);
  const ImageInfo& info = src->info();
  REQUIRE(info.levels.size() >= 3);
  CHECK(info.levels[1].width == 167);
  CHECK(info.levels[2].height == 63);
  CHECK(info.levels[1].tile_width == 64);
  CHECK(info.levels[1].tile_height == 32);
  CHECK(info.stack_size == 1);
  check_levels(*src, s, 0, 0);

  auto edge = src->read_tile(0, 5, 7);  // x 320..332, y 224..249
  REQUIRE(edge.ok());
  CHECK(edge->width == 13);
  CHECK(edge->height == 26);
  CHECK(sample_at(*edge, 12, 25, 2) == expected(s, 0, 0, 332, 249, 2));
}

TEST_CASE("tiff: BigTIFF and classic, little- and big-endian", "[tiff]") {
  const bool bigtiff = GENERATE(false, true);
  const bool big_endian = GENERATE(false, true);
  const int bits = GENERATE(8, 16, 32);
  testing::TempDir dir;
  TiffSpec s;
  s.bigtiff = bigtiff;
  s.big_endian = big_endian;
  s.bits = static_cast<std::uint16_t>(bits);
  s.sample_format = bits == 32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT;
  s.levels = 2;
  s.compression = COMPRESSION_ADOBE_DEFLATE;
  auto src = write_and_open(dir, s);
  check_levels(*src, s, 0, 0);
}

TEST_CASE("tiff: every lossless compression, with and without predictors", "[tiff]") {
  struct Case {
    std::uint16_t compression, predictor, bits, format;
  };
  const Case c =
      GENERATE(Case{COMPRESSION_LZW, PREDICTOR_NONE, 8, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_LZW, PREDICTOR_HORIZONTAL, 16, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_DEFLATE, PREDICTOR_NONE, 8, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_ADOBE_DEFLATE, PREDICTOR_HORIZONTAL, 8, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_ADOBE_DEFLATE, PREDICTOR_FLOATINGPOINT, 32, SAMPLEFORMAT_IEEEFP},
               Case{COMPRESSION_PACKBITS, PREDICTOR_NONE, 8, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_ZSTD, PREDICTOR_HORIZONTAL, 16, SAMPLEFORMAT_INT},
               Case{COMPRESSION_LZMA, PREDICTOR_NONE, 32, SAMPLEFORMAT_UINT},
               Case{COMPRESSION_WEBP, PREDICTOR_NONE, 8, SAMPLEFORMAT_UINT});
  testing::TempDir dir;
  TiffSpec s = rgb8();
  s.compression = c.compression;
  s.predictor = c.predictor;
  s.bits = c.bits;
  s.sample_format = c.format;
  s.levels = 2;
  INFO("compression " << c.compression << " predictor " << c.predictor << " bits " << c.bits);
  auto src = write_and_open(dir, s);
  check_levels(*src, s, 0, 0);
}

TEST_CASE("tiff: JPEG tiles, RGB and YCbCr 4:2:0 / 4:2:2 with shared tables", "[tiff]") {
  struct Case {
    std::uint16_t photometric, h, v, samples;
  };
  const Case c = GENERATE(Case{PHOTOMETRIC_RGB, 1, 1, 3}, Case{PHOTOMETRIC_YCBCR, 2, 2, 3},
                          Case{PHOTOMETRIC_YCBCR, 2, 1, 3}, Case{PHOTOMETRIC_MINISBLACK, 1, 1, 1});
  testing::TempDir dir;
  TiffSpec s;
  s.samples = c.samples;
  s.photometric = c.photometric;
  s.ycbcr_h = c.h;
  s.ycbcr_v = c.v;
  s.compression = COMPRESSION_JPEG;
  s.tile_width = s.tile_height = 64;
  s.levels = 2;
  auto src = write_and_open(dir, s);
  CHECK(src->info().colour == (c.samples == 3 ? ColourSpace::rgb : ColourSpace::grey));
  check_levels(*src, s, 0, 24);  // smooth content: chroma subsampling costs most at peaks
}

TEST_CASE("tiff: sample depths and formats, contiguous and planar-separate", "[tiff]") {
  struct Case {
    std::uint16_t bits, format, samples, planar;
    SampleType type;
  };
  const Case c = GENERATE(Case{1, SAMPLEFORMAT_UINT, 1, PLANARCONFIG_CONTIG, SampleType::u8},
                          Case{2, SAMPLEFORMAT_UINT, 1, PLANARCONFIG_CONTIG, SampleType::u8},
                          Case{4, SAMPLEFORMAT_UINT, 3, PLANARCONFIG_CONTIG, SampleType::u8},
                          Case{4, SAMPLEFORMAT_UINT, 3, PLANARCONFIG_SEPARATE, SampleType::u8},
                          Case{8, SAMPLEFORMAT_INT, 1, PLANARCONFIG_CONTIG, SampleType::i8},
                          Case{16, SAMPLEFORMAT_UINT, 3, PLANARCONFIG_SEPARATE, SampleType::u16},
                          Case{16, SAMPLEFORMAT_INT, 2, PLANARCONFIG_CONTIG, SampleType::i16},
                          Case{32, SAMPLEFORMAT_UINT, 1, PLANARCONFIG_CONTIG, SampleType::u32},
                          Case{32, SAMPLEFORMAT_INT, 3, PLANARCONFIG_CONTIG, SampleType::i32},
                          Case{32, SAMPLEFORMAT_IEEEFP, 4, PLANARCONFIG_SEPARATE, SampleType::f32},
                          Case{64, SAMPLEFORMAT_IEEEFP, 1, PLANARCONFIG_CONTIG, SampleType::f64},
                          Case{8, SAMPLEFORMAT_UINT, 24, PLANARCONFIG_CONTIG, SampleType::u8},
                          Case{16, SAMPLEFORMAT_UINT, 12, PLANARCONFIG_SEPARATE, SampleType::u16});
  const bool strips = GENERATE(false, true);
  testing::TempDir dir;
  TiffSpec s;
  s.bits = c.bits;
  s.sample_format = c.format;
  s.samples = c.samples;
  s.planar = c.planar;
  s.photometric = c.samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (c.samples == 2 || c.samples == 4) s.extra_samples = {EXTRASAMPLE_UNASSALPHA};
  if (c.samples == 4) s.photometric = PHOTOMETRIC_RGB;
  if (strips) s.tile_width = 0;
  s.levels = 2;
  s.compression = COMPRESSION_ADOBE_DEFLATE;
  INFO(c.bits << "-bit format " << c.format << " x" << c.samples << " planar " << c.planar
              << (strips ? " strips" : " tiles"));
  auto src = write_and_open(dir, s);
  const ImageInfo& info = src->info();
  CHECK(info.sample_type == c.type);
  CHECK(info.bits_per_sample == c.bits);
  CHECK(info.bands == c.samples);
  CHECK(info.has_alpha == (c.samples == 2 || c.samples == 4));
  check_levels(*src, s, 0, 0);
}

TEST_CASE("tiff: palette, min-is-white, CIELAB, ICCLAB-free CMYK and plain YCbCr", "[tiff]") {
  struct Case {
    std::uint16_t photometric, bits, samples, compression;
    ColourSpace colour;
    int bands;
  };
  const Case c =
      GENERATE(Case{PHOTOMETRIC_PALETTE, 8, 1, COMPRESSION_LZW, ColourSpace::rgb, 3},
               Case{PHOTOMETRIC_PALETTE, 4, 1, COMPRESSION_NONE, ColourSpace::rgb, 3},
               Case{PHOTOMETRIC_PALETTE, 16, 1, COMPRESSION_ZSTD, ColourSpace::rgb, 3},
               Case{PHOTOMETRIC_MINISWHITE, 8, 1, COMPRESSION_NONE, ColourSpace::grey, 1},
               Case{PHOTOMETRIC_MINISWHITE, 1, 1, COMPRESSION_CCITTFAX4, ColourSpace::grey, 1},
               Case{PHOTOMETRIC_CIELAB, 8, 3, COMPRESSION_NONE, ColourSpace::cielab, 3},
               Case{PHOTOMETRIC_CIELAB, 16, 3, COMPRESSION_ADOBE_DEFLATE, ColourSpace::cielab, 3},
               Case{PHOTOMETRIC_SEPARATED, 8, 4, COMPRESSION_NONE, ColourSpace::rgb, 3},
               Case{PHOTOMETRIC_YCBCR, 8, 3, COMPRESSION_NONE, ColourSpace::rgb, 3});
  const bool strips = GENERATE(false, true);
  testing::TempDir dir;
  TiffSpec s;
  s.photometric = c.photometric;
  s.bits = c.bits;
  s.samples = c.samples;
  s.compression = c.compression;
  s.levels = 2;
  if (strips) s.tile_width = 0;
  INFO("photometric " << c.photometric << " bits " << c.bits << (strips ? " strips" : ""));
  auto src = write_and_open(dir, s);
  CHECK(src->info().colour == c.colour);
  CHECK(src->info().bands == c.bands);
  // Lab is delivered as float; YCbCr goes through libtiff's conversion, which may round by one.
  const double tolerance = c.photometric == PHOTOMETRIC_CIELAB  ? 1e-3
                           : c.photometric == PHOTOMETRIC_YCBCR ? 1.0
                                                                : 0.0;
  check_levels(*src, s, 0, tolerance);
  if (c.photometric == PHOTOMETRIC_PALETTE) {  // expanded to 8-bit RGB whatever the index depth
    CHECK(src->info().sample_type == SampleType::u8);
    CHECK(src->info().max_values == std::vector<double>{255, 255, 255});
  }
  if (c.colour == ColourSpace::cielab) {
    CHECK(src->info().min_values == std::vector<double>{0, -128, -128});
    CHECK(src->info().max_values == std::vector<double>{100, 127, 127});
  }
}
