#include <openjpeg.h>
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include "imaging/jp2_source.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
using testing::crop;
using testing::TempDir;

namespace {

// A sample of component c at (x, y), counted in that component's samples from its first one.
using SampleFn = std::function<std::int32_t(std::int64_t x, std::int64_t y, int c)>;

struct Spec {
  std::uint32_t width = 0, height = 0;
  int comps = 3;
  std::uint32_t prec = 8;
  bool sgnd = false;
  int resolutions = 6;
  int tile = 0;                // 0: one tile for the whole image
  std::vector<float> rates{};  // compression ratio per quality layer; empty: one lossless layer
  OPJ_CODEC_FORMAT codec = OPJ_CODEC_JP2;
  OPJ_COLOR_SPACE colour = OPJ_CLRSPC_UNSPECIFIED;
  std::uint32_t x0 = 0, y0 = 0;            // image origin on the reference grid
  std::vector<std::uint32_t> subsample{};  // per component (dx = dy); empty: all 1
};

void quiet(const char*, void*) {}

void encode(const std::filesystem::path& path, const Spec& spec, const SampleFn& f) {
  std::vector<opj_image_cmptparm_t> params(static_cast<std::size_t>(spec.comps));
  const std::uint32_t x1 = spec.x0 + spec.width, y1 = spec.y0 + spec.height;
  bool subsampled = false;
  for (int c = 0; c < spec.comps; ++c) {
    auto& p = params[static_cast<std::size_t>(c)];
    std::memset(&p, 0, sizeof p);
    const std::uint32_t d = spec.subsample.empty() ? 1 : spec.subsample[c];
    subsampled |= d != 1;
    p.dx = p.dy = d;
    p.x0 = (spec.x0 + d - 1) / d;
    p.y0 = (spec.y0 + d - 1) / d;
    p.w = (x1 + d - 1) / d - p.x0;
    p.h = (y1 + d - 1) / d - p.y0;
    p.prec = spec.prec;
    p.sgnd = spec.sgnd;
  }
  opj_image_t* image =
      opj_image_create(static_cast<OPJ_UINT32>(spec.comps), params.data(), spec.colour);
  REQUIRE(image);
  image->x0 = spec.x0;
  image->y0 = spec.y0;
  image->x1 = x1;
  image->y1 = y1;
  for (int c = 0; c < spec.comps; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    for (std::uint32_t y = 0; y < comp.h; ++y)
      for (std::uint32_t x = 0; x < comp.w; ++x) comp.data[y * comp.w + x] = f(x, y, c);
  }

  opj_cparameters_t cp;
  opj_set_default_encoder_parameters(&cp);
  cp.irreversible = 0;  // 5/3 wavelet: lossless, so decoded pixels are exact
  cp.numresolution = spec.resolutions;
  cp.tcp_mct = spec.comps >= 3 && !subsampled && spec.colour != OPJ_CLRSPC_SYCC ? 1 : 0;
  if (spec.tile > 0) {
    cp.cp_tdx = cp.cp_tdy = spec.tile;
    cp.tile_size_on = OPJ_TRUE;
  }
  cp.cp_disto_alloc = 1;
  if (spec.rates.empty()) {
    cp.tcp_numlayers = 1;
    cp.tcp_rates[0] = 0;
  } else {
    cp.tcp_numlayers = static_cast<int>(spec.rates.size());
    for (std::size_t i = 0; i < spec.rates.size(); ++i) cp.tcp_rates[i] = spec.rates[i];
  }

  opj_codec_t* codec = opj_create_compress(spec.codec);
  opj_set_error_handler(codec, quiet, nullptr);
  opj_set_warning_handler(codec, quiet, nullptr);
  opj_set_info_handler(codec, quiet, nullptr);
  bool ok = opj_setup_encoder(codec, &cp, image);
  opj_stream_t* stream = opj_stream_create_default_file_stream(path.c_str(), OPJ_FALSE);
  ok = ok && stream && opj_start_compress(codec, image, stream) && opj_encode(codec, stream) &&
       opj_end_compress(codec, stream);
  if (stream) opj_stream_destroy(stream);
  opj_destroy_codec(codec);
  opj_image_destroy(image);
  REQUIRE(ok);
}

// The pixels a full-resolution read should give: f at every pixel, in the delivered type.
Raster expected(std::int64_t w, std::int64_t h, int bands, SampleType type, const SampleFn& f) {
  Raster r(w, h, bands, type);
  with_sample_type(type, [&](auto t) {
    using T = decltype(t);
    for (std::int64_t y = 0; y < h; ++y) {
      auto* row = reinterpret_cast<T*>(r.row(y));
      for (std::int64_t x = 0; x < w; ++x)
        for (int c = 0; c < bands; ++c) row[x * bands + c] = static_cast<T>(f(x, y, c));
    }
  });
  return r;
}

bool same(const Raster& a, const Raster& b) {
  return a.width == b.width && a.height == b.height && a.bands == b.bands && a.type == b.type &&
         a.data == b.data;
}

// Mean absolute difference of 8-bit rasters of the same shape.
double mean_diff(const Raster& a, const Raster& b) {
  REQUIRE(a.data.size() == b.data.size());
  double total = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) total += std::abs(a.data[i] - b.data[i]);
  return total / static_cast<double>(a.data.size());
}

std::shared_ptr<Jp2Source> open_ok(const std::filesystem::path& p, SourceOptions o = {}) {
  auto s = Jp2Source::open(p, o);
  INFO((s.ok() ? std::string() : s.error().message));
  REQUIRE(s.ok());
  return *s;
}

Raster read_ok(const ImageSource& src, std::size_t level, const Rect& r) {
  auto px = src.read_region(level, r);
  INFO((px.ok() ? std::string() : px.error().message));
  REQUIRE(px.ok());
  return std::move(px.value());
}

Raster read_level(const ImageSource& src, std::size_t level) {
  const LevelInfo& lv = src.info().levels.at(level);
  return read_ok(src, level, Rect{0, 0, lv.width, lv.height});
}

// Busy 8-bit content: neighbouring pixels differ, so an offset or a swapped band shows.
std::int32_t busy(std::int64_t x, std::int64_t y, int c) {
  return static_cast<std::int32_t>((x * 3 + y * 7 + c * 85 + (x / 5) * (y / 3)) & 255);
}

std::uint32_t hash(std::int64_t x, std::int64_t y, int c) {
  auto h = static_cast<std::uint32_t>(x * 73856093 ^ y * 19349663 ^ c * 83492791);
  h ^= h >> 13;
  h *= 0x5bd1e995;
  return h ^ (h >> 15);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void spill(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void put_be32(std::string& s, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) s[at + i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
}

std::uint32_t get_be32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

}  // namespace

TEST_CASE("jp2: 8-bit RGB, odd size, levels and exact level-0 regions", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "rgb.jp2";
  encode(path, Spec{.width = 1001, .height = 667, .resolutions = 2}, busy);
  auto src = open_ok(path);
  const ImageInfo& info = src->info();
  CHECK(info.format == "jpeg2000");
  CHECK(info.bands == 3);
  CHECK(info.colour == ColourSpace::rgb);
  CHECK_FALSE(info.has_alpha);
  CHECK(info.bits_per_sample == 8);
  CHECK(info.sample_type == SampleType::u8);
  CHECK(info.max_values == std::vector<double>{255, 255, 255});
  // Two resolutions, then one computed level that fits a 256-pixel tile.
  REQUIRE(info.levels.size() == 3);
  const std::int64_t sizes[3][2] = {{1001, 667}, {501, 334}, {251, 167}};
  for (std::size_t l = 0; l < 3; ++l) {
    CHECK(info.levels[l].width == sizes[l][0]);
    CHECK(info.levels[l].height == sizes[l][1]);
    CHECK(info.levels[l].stored == (l < 2));
    CHECK(info.levels[l].tile_width == 256);
  }

  const Raster full = expected(1001, 667, 3, SampleType::u8, busy);
  CHECK(same(read_level(*src, 0), full));
  for (const Rect r : {Rect{0, 0, 256, 256}, Rect{768, 512, 233, 155}, Rect{1000, 666, 1, 1},
                       Rect{123, 45, 300, 200}, Rect{0, 600, 1001, 67}}) {
    INFO(r.x << "," << r.y << " " << r.w << "x" << r.h);
    CHECK(same(read_ok(*src, 0, r), crop(full, r.x, r.y, r.w, r.h)));
  }
  auto tile = src->read_tile(0, 3, 2);
  REQUIRE(tile.ok());
  CHECK(same(*tile, crop(full, 768, 512, 233, 155)));
  CHECK(read_level(*src, 2).width == 251);  // the computed level averages level 1
}

TEST_CASE("jp2: 16-bit grey is exact over the full range", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "grey16.jp2";
  const auto f = [](std::int64_t x, std::int64_t y, int) {
    return static_cast<std::int32_t>((x * 211 + y * 1031 + x * y * 7) & 0xFFFF);
  };
  encode(path, Spec{.width = 300, .height = 200, .comps = 1, .prec = 16}, f);
  auto src = open_ok(path);
  const ImageInfo& info = src->info();
  CHECK(info.bands == 1);
  CHECK(info.colour == ColourSpace::grey);
  CHECK(info.sample_type == SampleType::u16);
  CHECK(info.bits_per_sample == 16);
  CHECK(info.min_values == std::vector<double>{0});
  CHECK(info.max_values == std::vector<double>{65535});
  const Raster full = expected(300, 200, 1, SampleType::u16, f);
  CHECK(same(read_level(*src, 0), full));
  CHECK(same(read_ok(*src, 0, Rect{37, 11, 200, 150}), crop(full, 37, 11, 200, 150)));
}

TEST_CASE("jp2: 12-bit RGB arrives as u16 with its own range", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "rgb12.jp2";
  const auto f = [](std::int64_t x, std::int64_t y, int c) {
    return static_cast<std::int32_t>((x * 29 + y * 13 + c * 1365 + (x ^ y)) & 0xFFF);
  };
  encode(path, Spec{.width = 257, .height = 130, .prec = 12}, f);
  auto src = open_ok(path);
  const ImageInfo& info = src->info();
  CHECK(info.sample_type == SampleType::u16);
  CHECK(info.bits_per_sample == 12);
  CHECK(info.max_values == std::vector<double>{4095, 4095, 4095});
  CHECK(same(read_level(*src, 0), expected(257, 130, 3, SampleType::u16, f)));
}

TEST_CASE("jp2: four components are RGB with alpha", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "rgba.jp2";
  const auto f = [](std::int64_t x, std::int64_t y, int c) {
    return c == 3 ? static_cast<std::int32_t>((x + y) & 255) : busy(x, y, c);
  };
  encode(path, Spec{.width = 200, .height = 150, .comps = 4}, f);
  auto src = open_ok(path);
  CHECK(src->info().bands == 4);
  CHECK(src->info().colour == ColourSpace::rgb);
  CHECK(src->info().has_alpha);
  CHECK(same(read_level(*src, 0), expected(200, 150, 4, SampleType::u8, f)));
}

TEST_CASE("jp2: 4-bit grey with alpha is widened to 8 bits", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "grey4.jp2";
  const auto f = [](std::int64_t x, std::int64_t y, int c) {
    return static_cast<std::int32_t>((x + 3 * y + c * 5) & 15);
  };
  encode(path, Spec{.width = 64, .height = 40, .comps = 2, .prec = 4}, f);
  auto src = open_ok(path);
  CHECK(src->info().colour == ColourSpace::grey);
  CHECK(src->info().has_alpha);
  CHECK(src->info().max_values == std::vector<double>{255, 255});
  const auto widened = [&f](std::int64_t x, std::int64_t y, int c) { return f(x, y, c) * 17; };
  CHECK(same(read_level(*src, 0), expected(64, 40, 2, SampleType::u8, widened)));
}

TEST_CASE("jp2: tiled codestream, regions across tile boundaries", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "tiled.j2k";
  encode(path,
         Spec{.width = 700, .height = 500, .resolutions = 4, .tile = 128, .codec = OPJ_CODEC_J2K},
         busy);
  auto src = open_ok(path);
  CHECK(src->info().format == "jpeg2000");
  CHECK(src->info().levels[0].tile_width == 256);
  const Raster full = expected(700, 500, 3, SampleType::u8, busy);
  CHECK(same(read_level(*src, 0), full));
  for (const Rect r : {Rect{100, 100, 200, 200}, Rect{127, 127, 2, 2}, Rect{250, 380, 300, 120},
                       Rect{640, 384, 60, 116}}) {
    INFO(r.x << "," << r.y << " " << r.w << "x" << r.h);
    CHECK(same(read_ok(*src, 0, r), crop(full, r.x, r.y, r.w, r.h)));
  }
  const Raster level1 = read_level(*src, 1);
  CHECK(same(read_ok(*src, 1, Rect{60, 60, 90, 70}), crop(level1, 60, 60, 90, 70)));
}

TEST_CASE("jp2: reduced levels are consistent and close to box averages", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "smooth.jp2";
  // Slopes of at most 100/400 = 0.25 per pixel.
  const auto f = [](std::int64_t x, std::int64_t y, int c) {
    return static_cast<std::int32_t>(
        std::lround(127.5 + 100 * std::sin(x / 400.0 + c) * std::cos(y / 400.0 - c)));
  };
  encode(path, Spec{.width = 1000, .height = 800, .resolutions = 5}, f);
  auto src = open_ok(path);
  const Raster full = expected(1000, 800, 3, SampleType::u8, f);
  for (std::size_t r = 1; r < 5; ++r) {
    INFO("level " << r);
    const LevelInfo& lv = src->info().levels[r];
    REQUIRE(lv.stored);
    const Raster whole = read_level(*src, r);
    for (const Rect q : {Rect{1, 1, 17, 9}, Rect{lv.width / 3, lv.height / 2, lv.width / 2, 5},
                         Rect{lv.width - 7, lv.height - 3, 7, 3}}) {
      INFO(q.x << "," << q.y << " " << q.w << "x" << q.h);
      CHECK(same(read_ok(*src, r, q), crop(whole, q.x, q.y, q.w, q.h)));
    }
    // Box means of the 2^r x 2^r cells (partial at the right and bottom edges).
    const std::int64_t n = std::int64_t{1} << r;
    Raster box(lv.width, lv.height, 3);
    for (std::int64_t y = 0; y < lv.height; ++y)
      for (std::int64_t x = 0; x < lv.width; ++x)
        for (int c = 0; c < 3; ++c) {
          double sum = 0;
          int count = 0;
          for (std::int64_t sy = y * n; sy < std::min<std::int64_t>((y + 1) * n, 800); ++sy)
            for (std::int64_t sx = x * n; sx < std::min<std::int64_t>((x + 1) * n, 1000); ++sx) {
              sum += full.row(sy)[sx * 3 + c];
              ++count;
            }
          box.row(y)[x * 3 + c] = static_cast<std::uint8_t>(std::lround(sum / count));
        }
    // The 5/3 low-pass keeps the even sample of a ramp, so a level-r sample stands (2^r-1)/2
    // pixels before the centre of its box: at 0.25 per pixel that is at most 1.9 levels at
    // r = 4, plus one for rounding.
    const double bound = 0.25 * static_cast<double>(n - 1) / 2 + 1;
    CHECK(mean_diff(whole, box) < bound);
  }
}

TEST_CASE("jp2: max_layers decodes fewer quality layers", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "layers.jp2";
  const auto f = [](std::int64_t x, std::int64_t y, int c) {
    return static_cast<std::int32_t>((busy(x, y, c) + (hash(x, y, c) & 31)) & 255);
  };
  encode(path, Spec{.width = 400, .height = 300, .rates = {40, 10, 1}}, f);
  const Raster original = expected(400, 300, 3, SampleType::u8, f);
  const Raster all = read_level(*open_ok(path), 0);
  const Raster first = read_level(*open_ok(path, SourceOptions{.max_layers = 1}), 0);
  const Raster two = read_level(*open_ok(path, SourceOptions{.max_layers = 2}), 0);
  CHECK(same(all, original));  // the last layer completes the lossless code
  CHECK_FALSE(same(first, all));
  CHECK(mean_diff(first, original) > mean_diff(two, original));
  CHECK(mean_diff(two, original) > 0);
}

TEST_CASE("jp2: signed 16-bit samples", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "signed.j2k";
  const auto f = [](std::int64_t x, std::int64_t y, int) {
    return static_cast<std::int32_t>(((x * 523 + y * 1999) & 0xFFFF) - 32768);
  };
  encode(
      path,
      Spec{
          .width = 150, .height = 90, .comps = 1, .prec = 16, .sgnd = true, .codec = OPJ_CODEC_J2K},
      f);
  auto src = open_ok(path);
  CHECK(src->info().sample_type == SampleType::i16);
  CHECK(src->info().min_values == std::vector<double>{-32768});
  CHECK(src->info().max_values == std::vector<double>{32767});
  CHECK(same(read_level(*src, 0), expected(150, 90, 1, SampleType::i16, f)));
}

TEST_CASE("jp2: image origin off the grid's zero", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "origin.j2k";
  encode(
      path,
      Spec{.width = 300, .height = 200, .resolutions = 4, .codec = OPJ_CODEC_J2K, .x0 = 5, .y0 = 3},
      busy);
  auto src = open_ok(path);
  const auto& levels = src->info().levels;
  CHECK(levels[1].width == 150);  // ceil(305/2) - ceil(5/2)
  CHECK(levels[2].width == 75);   // ceil(305/4) - ceil(5/4)
  CHECK(levels[3].width == 38);   // ceil(305/8) - ceil(5/8)
  CHECK(levels[3].height == 25);  // ceil(203/8) - ceil(3/8)
  CHECK(same(read_ok(*src, 0, Rect{10, 20, 100, 50}),
             crop(expected(300, 200, 3, SampleType::u8, busy), 10, 20, 100, 50)));
  const Raster level2 = read_level(*src, 2);
  CHECK(same(read_ok(*src, 2, Rect{3, 5, 31, 17}), crop(level2, 3, 5, 31, 17)));
}

TEST_CASE("jp2: subsampled components are replicated", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "sub.j2k";
  encode(path, Spec{.width = 201, .height = 121, .codec = OPJ_CODEC_J2K, .subsample = {1, 2, 2}},
         busy);
  auto src = open_ok(path);
  const auto replicated = [](std::int64_t x, std::int64_t y, int c) {
    return c == 0 ? busy(x, y, c) : busy(x / 2, y / 2, c);
  };
  const Raster want = expected(201, 121, 3, SampleType::u8, replicated);
  CHECK(same(read_level(*src, 0), want));
  CHECK(same(read_ok(*src, 0, Rect{51, 33, 1, 1}), crop(want, 51, 33, 1, 1)));
  CHECK(same(read_ok(*src, 0, Rect{99, 7, 57, 80}), crop(want, 99, 7, 57, 80)));
  const Raster level1 = read_level(*src, 1);
  CHECK(same(read_ok(*src, 1, Rect{7, 5, 33, 21}), crop(level1, 7, 5, 33, 21)));
  CHECK(same(read_ok(*src, 1, Rect{100, 60, 1, 1}), crop(level1, 100, 60, 1, 1)));
}

TEST_CASE("jp2: sYCC is converted to RGB", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "sycc.jp2";
  const auto rgb = [](std::int64_t x, std::int64_t y, int c) {
    return static_cast<std::int32_t>(40 + ((x * (c + 1) + y * (3 - c)) % 170));
  };
  // The forward transform of IEC 61966-2-1 Amd. 1, rounded.
  const auto ycc = [&rgb](std::int64_t x, std::int64_t y, int c) {
    const double r = rgb(x, y, 0), g = rgb(x, y, 1), b = rgb(x, y, 2);
    const double v[3] = {0.299 * r + 0.587 * g + 0.114 * b,
                         128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
                         128 + 0.5 * r - 0.418688 * g - 0.081312 * b};
    return static_cast<std::int32_t>(std::lround(v[c]));
  };
  encode(path, Spec{.width = 90, .height = 60, .colour = OPJ_CLRSPC_SYCC}, ycc);
  auto src = open_ok(path);
  CHECK(src->info().colour == ColourSpace::rgb);
  const Raster got = read_level(*src, 0);
  const Raster want = expected(90, 60, 3, SampleType::u8, rgb);
  int worst = 0;
  for (std::size_t i = 0; i < got.data.size(); ++i)
    worst = std::max(worst, std::abs(got.data[i] - want.data[i]));
  CHECK(worst <= 2);  // two roundings of the forward transform and one of the inverse
}

TEST_CASE("jp2: the ICC profile of the colr box is kept", "[jp2]") {
  TempDir dir;
  const auto plain = dir.path() / "plain.jp2";
  encode(plain, Spec{.width = 40, .height = 30, .resolutions = 3}, busy);
  // OpenJPEG 2.5's encoder cannot write profiles: swap the enumerated colr box for one.
  std::string bytes = slurp(plain);
  const std::size_t colr = bytes.find("colr") - 4;
  REQUIRE(colr < bytes.size());
  const std::uint32_t old_len = 15;  // METH 1: 8 header + 3 + 4 EnumCS
  std::string profile(300, '\0');
  for (std::size_t i = 0; i < profile.size(); ++i) profile[i] = static_cast<char>(i * 7);
  std::string box(8, '\0');
  put_be32(box, 0, static_cast<std::uint32_t>(8 + 3 + profile.size()));
  box.replace(4, 4, "colr");
  box += std::string("\x02\x00\x00", 3) + profile;
  bytes.replace(colr, old_len, box);
  const std::size_t jp2h = bytes.find("jp2h") - 4;
  put_be32(bytes, jp2h, get_be32(bytes, jp2h) + static_cast<std::uint32_t>(box.size() - old_len));
  const auto path = dir.path() / "icc.jp2";
  spill(path, bytes);
  auto src = open_ok(path);
  CHECK(src->info().icc_profile == profile);
  CHECK(same(read_level(*src, 0), expected(40, 30, 3, SampleType::u8, busy)));
}

TEST_CASE("jp2: damaged and hostile files give errors, never crashes", "[jp2]") {
  TempDir dir;
  const auto jp2 = dir.path() / "good.jp2";
  const auto j2k = dir.path() / "good.j2k";
  encode(jp2, Spec{.width = 256, .height = 256}, busy);
  encode(j2k, Spec{.width = 256, .height = 256, .codec = OPJ_CODEC_J2K}, busy);
  const std::string a = slurp(jp2), b = slurp(j2k);
  const std::size_t codestream = a.find("jp2c") + 4;
  std::string garbage = b.substr(0, 4);
  for (int i = 0; i < 5000; ++i) garbage += static_cast<char>(hash(i, 1, 2) & 0xFF);
  std::string enormous = b, big = b, wide = b, comps = b, deep = b, empty = b;
  put_be32(enormous, 8, 0x7FFFFFFF);  // Xsiz, Ysiz, XTsiz and YTsiz: one enormous tile
  put_be32(enormous, 12, 0x7FFFFFFF);
  put_be32(enormous, 24, 0x7FFFFFFF);
  put_be32(enormous, 28, 0x7FFFFFFF);
  put_be32(big, 8, 40000);  // 40000 x 40000 in 256-pixel tiles, all but the first missing
  put_be32(big, 12, 40000);
  put_be32(big, 24, 256);
  put_be32(big, 28, 256);
  put_be32(wide, 8, 0xFFFFFFFF);
  put_be32(wide, 24, 0xFFFFFFFF);
  comps[40] = '\x7F';        // Csiz no longer matches the marker's length
  put_be32(empty, 16, 256);  // XOsiz = Xsiz: no columns
  // 16385 components, one more than the standard allows, in a consistent SIZ marker.
  std::string many = b.substr(0, 4);
  many += static_cast<char>((38 + 3 * 16385) >> 8);
  many += static_cast<char>((38 + 3 * 16385) & 0xFF);
  many += b.substr(6, 34) + "\x40\x01";
  for (int c = 0; c < 16385; ++c) many += "\x07\x01\x01";
  many += b.substr(51);
  deep[42] = deep[45] = deep[48] = '\x10';  // 17-bit samples

  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"jp2 signature only", a.substr(0, 12)},
      {"codestream signature only", b.substr(0, 4)},
      {"jp2 header only", a.substr(0, codestream + 40)},
      {"jp2 truncated at 25%", a.substr(0, a.size() / 4)},
      {"jp2 truncated at 50%", a.substr(0, a.size() / 2)},
      {"j2k truncated at 50%", b.substr(0, b.size() / 2)},
      {"j2k truncated before the end marker", b.substr(0, b.size() - 3)},
      {"random codestream", garbage},
      {"jp2 signature then garbage", a.substr(0, 12) + garbage.substr(4)},
      {"enormous tile", enormous},
      {"tiles missing", big},
      {"wider than 2^31", wide},
      {"component count mismatch", comps},
      {"16385 components", many},
      {"no pixels", empty},
      {"17-bit samples", deep},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    const auto path = dir.path() / "bad.jp2";
    spill(path, bytes);
    auto src = Jp2Source::open(path, {});
    if (!src.ok()) {
      CHECK(src.error().message.find(dir.path().string()) == std::string::npos);
      continue;
    }
    // The bottom-right corner: the part of the data a truncation loses first.
    const LevelInfo& lv = (*src)->info().levels[0];
    const std::int64_t w = std::min<std::int64_t>(lv.width, 256);
    const std::int64_t h = std::min<std::int64_t>(lv.height, 256);
    auto px = (*src)->read_region(0, Rect{lv.width - w, lv.height - h, w, h});
    REQUIRE_FALSE(px.ok());
    CHECK(px.error().code == Errc::corrupt_image);
    CHECK(px.error().message.rfind("image could not be read: ", 0) == 0);
  }
  CHECK(Jp2Source::open(dir.path() / "missing.jp2", {}).error().code == Errc::corrupt_image);
  spill(dir.path() / "deep.j2k", deep);
  CHECK(Jp2Source::open(dir.path() / "deep.j2k", {}).error().code == Errc::not_implemented);

  // A read larger than the decode budget is refused before anything is decoded.
  spill(dir.path() / "big.j2k", big);
  auto large = Jp2Source::open(dir.path() / "big.j2k", {});
  REQUIRE(large.ok());
  CHECK((*large)->read_region(0, Rect{0, 0, 40000, 40000}).error().code == Errc::payload_too_large);
  spill(dir.path() / "enormous.j2k", enormous);
  CHECK(Jp2Source::open(dir.path() / "enormous.j2k", {}).error().code == Errc::not_implemented);

  // Damaged tile data may decode to wrong pixels, but must not crash.
  for (std::size_t at = codestream + 200; at < a.size(); at += a.size() / 40) {
    std::string flipped = a;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x5A);
    spill(dir.path() / "flip.jp2", flipped);
    auto src = Jp2Source::open(dir.path() / "flip.jp2", {});
    if (src.ok()) (void)(*src)->read_region(0, Rect{0, 0, 256, 256});
  }
}

TEST_CASE("jp2: concurrent tile reads of one file agree with serial reads", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "shared.jp2";
  encode(path, Spec{.width = 768, .height = 512}, busy);
  auto src = open_ok(path);
  const LevelInfo& lv = src->info().levels[0];
  const std::int64_t cols = ceil_div(lv.width, lv.tile_width);
  const std::int64_t rows = ceil_div(lv.height, lv.tile_height);
  std::vector<Raster> serial;
  for (std::int64_t ty = 0; ty < rows; ++ty)
    for (std::int64_t tx = 0; tx < cols; ++tx) {
      auto t = src->read_tile(0, tx, ty);
      REQUIRE(t.ok());
      serial.push_back(std::move(*t));
    }
  std::atomic<int> mismatches{0}, failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      for (std::int64_t k = 0; k < cols * rows; ++k) {
        const std::int64_t n = (k + i * 5) % (cols * rows);  // threads start at different tiles
        auto t = src->read_tile(0, n % cols, n / cols);
        if (!t.ok())
          ++failures;
        else if (!same(*t, serial[static_cast<std::size_t>(n)]))
          ++mismatches;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(mismatches == 0);
  CHECK(same(serial.front(), crop(expected(768, 512, 3, SampleType::u8, busy), 0, 0, 256, 256)));
}

// Tiled files: reads decode whole stored tiles with decoders kept between reads, whole-level
// reads decode the area with a fresh decoder. Both must give the same pixels.
TEST_CASE("jp2: tiled image read tile by tile in any order and at any level", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "tiles.j2k";
  encode(path,
         Spec{.width = 700,
              .height = 500,
              .resolutions = 4,
              .tile = 64,
              .codec = OPJ_CODEC_J2K,
              .x0 = 37,
              .y0 = 11},
         busy);
  auto src = open_ok(path);
  auto other = open_ok(path);  // its own decoders
  const Raster full = expected(700, 500, 3, SampleType::u8, busy);
  std::vector<Raster> whole;
  for (std::size_t level = 0; level < 4; ++level) whole.push_back(read_level(*src, level));
  CHECK(same(whole[0], full));
  // Levels interleaved, tiles scrambled and backwards, so decoders change resolution and seek
  // back to tiles they passed.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t level : {2, 0, 3, 1}) {
      const LevelInfo& lv = src->info().levels[level];
      const std::int64_t cols = ceil_div(lv.width, 256), rows = ceil_div(lv.height, 256);
      for (std::int64_t k = cols * rows - 1; k >= 0; --k) {
        const std::int64_t n = (k * 5 + pass) % (cols * rows), tx = n % cols, ty = n / cols;
        INFO("level " << level << " tile " << tx << "," << ty);
        const Rect r{tx * 256, ty * 256, std::min<std::int64_t>(256, lv.width - tx * 256),
                     std::min<std::int64_t>(256, lv.height - ty * 256)};
        const ImageSource& s = pass == 0 ? *src : *other;
        CHECK(same(read_ok(s, level, r), crop(whole[level], r.x, r.y, r.w, r.h)));
      }
    }
  for (const Rect r : {Rect{26, 52, 2, 2}, Rect{63, 0, 130, 65}, Rect{690, 490, 10, 10}}) {
    INFO(r.x << "," << r.y << " " << r.w << "x" << r.h);
    CHECK(same(read_ok(*src, 0, r), crop(full, r.x, r.y, r.w, r.h)));
  }
  src.reset();  // its idle decoders go; the other source's stay usable
  CHECK(same(read_ok(*other, 1, Rect{100, 100, 50, 50}), crop(whole[1], 100, 100, 50, 50)));
}

TEST_CASE("jp2: tiled image with subsampled components", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "tiled_sub.jp2";
  encode(path,
         Spec{.width = 201, .height = 121, .resolutions = 4, .tile = 32, .subsample = {1, 2, 2}},
         busy);
  auto src = open_ok(path);
  const auto replicated = [](std::int64_t x, std::int64_t y, int c) {
    return c == 0 ? busy(x, y, c) : busy(x / 2, y / 2, c);
  };
  const Raster want = expected(201, 121, 3, SampleType::u8, replicated);
  for (const Rect r :
       {Rect{0, 0, 201, 121}, Rect{31, 31, 3, 3}, Rect{63, 30, 70, 41}, Rect{200, 120, 1, 1}}) {
    INFO(r.x << "," << r.y << " " << r.w << "x" << r.h);
    CHECK(same(read_ok(*src, 0, r), crop(want, r.x, r.y, r.w, r.h)));
  }
  const Raster level1 = read_level(*src, 1);
  CHECK(same(read_ok(*src, 1, Rect{15, 15, 20, 9}), crop(level1, 15, 15, 20, 9)));
}

TEST_CASE("jp2: concurrent reads of a tiled file, with few or no idle decoders", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "shared_tiles.jp2";
  encode(path, Spec{.width = 768, .height = 512, .resolutions = 4, .tile = 128}, busy);
  const Raster full = expected(768, 512, 3, SampleType::u8, busy);
  for (std::size_t budget : {0, 2, 256}) {
    INFO("max_open_files " << budget);
    SourceOptions options;
    options.max_open_files = budget;
    auto src = open_ok(path, options);
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 6; ++i)
      threads.emplace_back([&, i] {
        for (int k = 0; k < 12; ++k) {
          const int n = (k * 7 + i) % 6, tx = n % 3, ty = n / 3;
          auto t = src->read_tile(0, tx, ty);
          if (!t.ok())
            ++failures;
          else if (!same(*t, crop(full, tx * 256, ty * 256, 256, 256)))
            ++mismatches;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    CHECK(mismatches == 0);
  }
}

TEST_CASE("jp2: a decoder that failed is not reused", "[jp2]") {
  TempDir dir;
  const auto path = dir.path() / "changing.j2k";
  encode(path,
         Spec{.width = 512, .height = 512, .resolutions = 3, .tile = 64, .codec = OPJ_CODEC_J2K},
         busy);
  const std::string good = slurp(path);
  const Raster full = expected(512, 512, 3, SampleType::u8, busy);
  auto src = open_ok(path);
  CHECK(same(read_ok(*src, 0, Rect{0, 0, 256, 256}), crop(full, 0, 0, 256, 256)));
  // The same file, its later tiles gone: the decoder the first read left idle fails on them.
  spill(path, good.substr(0, good.size() * 2 / 3));
  auto broken = src->read_region(0, Rect{256, 256, 256, 256});
  REQUIRE_FALSE(broken.ok());
  CHECK(broken.error().code == Errc::corrupt_image);
  spill(path, good);
  CHECK(same(read_ok(*src, 0, Rect{256, 256, 256, 256}), crop(full, 256, 256, 256, 256)));
  CHECK(same(read_ok(*src, 0, Rect{0, 0, 256, 256}), crop(full, 0, 0, 256, 256)));
}
