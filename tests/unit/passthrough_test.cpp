// Codec pass-through (imaging/passthrough.hpp): TIFFs written here with libtiff, the outputs
// decoded with TurboJPEG and libwebp and compared with the decode path's pixels (render()) and
// with the pattern that was written.

#include <tiffio.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>

#include "imaging/engine.hpp"
#include "imaging/passthrough.hpp"
#include "imaging/watermark.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"
#include "tests/support/reference_decoders.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;

namespace {

struct Spec {
  std::uint32_t width = 640, height = 384, tile = 256;  // tiles x=2 and y=1 are padded
  int levels = 1;
  std::uint16_t compression = COMPRESSION_JPEG;
  std::uint16_t photometric = PHOTOMETRIC_YCBCR;
  std::uint16_t samples = 3;  // 4: RGB with unassociated alpha
  int webp_lossless = 0;
  std::string icc, xmp;
  float dpi = 0;
};

// Smooth, so JPEG keeps it close, with bands far apart, so a colour-space mix-up shows.
std::uint8_t pattern(std::int64_t x, std::int64_t y, int band, int level) {
  static constexpr double base[] = {200, 60, 120, 190};
  const double v = base[band] + 35 * std::sin((static_cast<double>(x) + 5 * level) / 23.0 + band) +
                   20 * std::cos(static_cast<double>(y) / 17.0 + 2 * band);
  return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
}

struct TiffClose {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};

void write(const std::filesystem::path& path, const Spec& s) {
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetWarningHandlerExtR(
      options, [](TIFF*, void*, const char*, const char*, va_list) { return 1; }, nullptr);
  std::unique_ptr<TIFF, TiffClose> tif(TIFFOpenExt(path.c_str(), "w", options));
  TIFFOpenOptionsFree(options);
  REQUIRE(tif);
  TIFF* t = tif.get();
  for (int k = 0; k < s.levels; ++k) {
    const std::uint32_t w = (s.width + (1u << k) - 1) >> k, h = (s.height + (1u << k) - 1) >> k;
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s.samples);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s.photometric);
    TIFFSetField(t, TIFFTAG_COMPRESSION, s.compression);
    TIFFSetField(t, TIFFTAG_TILEWIDTH, s.tile);
    TIFFSetField(t, TIFFTAG_TILELENGTH, s.tile);
    if (k > 0) TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
    if (s.samples == 4) {
      const std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
      TIFFSetField(t, TIFFTAG_EXTRASAMPLES, 1, &extra);
    }
    if (s.compression == COMPRESSION_JPEG) {
      TIFFSetField(t, TIFFTAG_JPEGQUALITY, 90);
      if (s.photometric == PHOTOMETRIC_YCBCR) {
        TIFFSetField(t, TIFFTAG_YCBCRSUBSAMPLING, 2, 2);
        TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
      }
    }
    if (s.compression == COMPRESSION_WEBP) {
      TIFFSetField(t, TIFFTAG_WEBP_LOSSLESS, s.webp_lossless);
      TIFFSetField(t, TIFFTAG_WEBP_LEVEL, 80);
    }
    if (k == 0 && !s.icc.empty())
      TIFFSetField(t, TIFFTAG_ICCPROFILE, static_cast<std::uint32_t>(s.icc.size()), s.icc.data());
    if (k == 0 && !s.xmp.empty())
      TIFFSetField(t, TIFFTAG_XMLPACKET, static_cast<std::uint32_t>(s.xmp.size()), s.xmp.data());
    if (k == 0 && s.dpi > 0) {
      TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
      TIFFSetField(t, TIFFTAG_XRESOLUTION, s.dpi);
      TIFFSetField(t, TIFFTAG_YRESOLUTION, s.dpi);
    }
    std::vector<std::uint8_t> block(std::size_t{s.tile} * s.tile * s.samples);
    for (std::uint32_t ty = 0; ty < h; ty += s.tile)
      for (std::uint32_t tx = 0; tx < w; tx += s.tile) {
        for (std::uint32_t y = 0; y < s.tile; ++y)
          for (std::uint32_t x = 0; x < s.tile; ++x)
            for (int b = 0; b < s.samples; ++b)
              block[(std::size_t{y} * s.tile + x) * s.samples + b] =
                  pattern(tx + x, ty + y, s.photometric == PHOTOMETRIC_MINISWHITE ? 1 : b, k);
        REQUIRE(TIFFWriteEncodedTile(t, TIFFComputeTile(t, tx, ty, 0, 0), block.data(),
                                     static_cast<tmsize_t>(block.size())) >= 0);
      }
    REQUIRE(TIFFWriteDirectory(t));
  }
}

// A header that says "RGB " is all the pipeline reads of a profile it only embeds.
std::string fake_profile(const char* space) {
  std::string p(300, '\x11');
  p.replace(16, 4, space);
  return p;
}

// The view of tile (tx, ty) of `level`, as a viewer asks for it (edge tiles cropped).
View tile_view(const ImageInfo& info, std::size_t level, std::int64_t tx, std::int64_t ty) {
  const LevelInfo& lv = info.levels[level];
  const std::int64_t x = tx * lv.tile_width, y = ty * lv.tile_height;
  const std::int64_t w = std::min<std::int64_t>(lv.tile_width, lv.width - x);
  const std::int64_t h = std::min<std::int64_t>(lv.tile_height, lv.height - y);
  const int k = static_cast<int>(level);
  const std::int64_t fx = x << k, fy = y << k;
  return make_view(Rect{fx, fy, std::min(info.width(), (x + w) << k) - fx,
                        std::min(info.height(), (y + h) << k) - fy},
                   w, h);
}

// The known pattern of a level's region, for checking colours independently of any decoder.
Raster expected_pattern(std::int64_t x0, std::int64_t y0, std::int64_t w, std::int64_t h, int bands,
                        int level) {
  Raster r(w, h, bands);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) r.row(y)[x * bands + b] = pattern(x0 + x, y0 + y, b, level);
  return r;
}

struct Case {
  testing::TempDir dir;
  std::shared_ptr<const ImageSource> source;
  std::unique_ptr<Engine> engine;

  explicit Case(const Spec& spec, const std::function<void(EngineOptions&)>& tune = {}) {
    write(dir.path() / "t.tif", spec);
    auto opened = open_image(dir.path() / "t.tif");
    REQUIRE(opened.ok());
    source = *opened;
    EngineOptions options;
    options.root = dir.path();
    if (tune) tune(options);
    engine = std::make_unique<Engine>(options);
  }
  const ImageInfo& info() const { return source->info(); }

  // The engine's bytes, and whether they were passed through.
  std::pair<std::string, bool> get(const View& view, const char* format,
                                   const EncodeOptions* options = nullptr) {
    const std::uint64_t before = engine->passthrough_count();
    auto bytes = engine->render_encoded(*source, view, *find_output_format(format),
                                        options ? *options : engine->encode_options());
    REQUIRE(bytes.ok());
    return {*bytes, engine->passthrough_count() == before + 1};
  }
  // What the decode path shows for the view, before encoding.
  Rendered rendered(const View& view, const char* format, const RenderSettings& s = {}) {
    auto r = render(*source, view, *find_output_format(format), s);
    REQUIRE(r.ok());
    return std::move(*r);
  }
};

// The markers before the scan, with their payloads.
std::vector<std::pair<int, std::string>> segments(const std::string& jpeg) {
  std::vector<std::pair<int, std::string>> out;
  for (std::size_t i = 2; i + 4 <= jpeg.size() && jpeg[i] == '\xFF';) {
    const int marker = static_cast<unsigned char>(jpeg[i + 1]);
    if (marker == 0xDA) break;
    const std::size_t len = (std::size_t{static_cast<unsigned char>(jpeg[i + 2])} << 8) |
                            static_cast<unsigned char>(jpeg[i + 3]);
    out.emplace_back(marker, jpeg.substr(i + 4, len - 2));
    i += 2 + len;
  }
  return out;
}

bool has_segment(const std::string& jpeg, int marker, std::string_view prefix) {
  for (const auto& [m, body] : segments(jpeg))
    if (m == marker && body.compare(0, prefix.size(), prefix) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("passthrough: YCbCr JPEG tiles are sent as stored and decode to the same pixels",
          "[passthrough]") {
  Spec spec;
  spec.width = 1280;  // level 1 (640x320) has two whole tiles
  spec.height = 640;
  spec.levels = 2;
  Case c(spec);
  for (const auto& [level, tx, ty] : {std::tuple<std::size_t, int, int>{0, 1, 1}, {1, 1, 0}}) {
    CAPTURE(level, tx, ty);
    const View view = tile_view(c.info(), level, tx, ty);
    const auto [bytes, passed] = c.get(view, "jpg");
    CHECK(passed);
    auto stored = c.source->read_stored_tile(level, tx, ty);
    REQUIRE(stored.ok());
    CHECK(bytes.find(std::string_view(stored->data).substr(2)) != std::string::npos);
    CHECK(has_segment(bytes, 0xE0, std::string_view("JFIF\0", 5)));
    CHECK_FALSE(has_segment(bytes, 0xEE, "Adobe"));

    const testing::Decoded decoded = testing::turbojpeg_decode(bytes);
    testing::require_equal(decoded.pixels, c.rendered(view, "jpg").pixels);
    auto tile = c.source->read_tile(level, tx, ty);
    REQUIRE(tile.ok());
    testing::require_equal(decoded.pixels, *tile);
    const Raster known = expected_pattern(tx * 256, ty * 256, 256, 256, 3, static_cast<int>(level));
    CHECK(testing::psnr(decoded.pixels, known) > 35);
  }
}

TEST_CASE("passthrough: RGB JPEG tiles carry an Adobe marker and keep their colours",
          "[passthrough]") {
  Spec spec;
  spec.photometric = PHOTOMETRIC_RGB;
  Case c(spec);
  const View view = tile_view(c.info(), 0, 1, 0);
  const auto [bytes, passed] = c.get(view, "jpg");
  REQUIRE(passed);
  // Transform 0 says RGB; a JFIF marker would say YCbCr.
  CHECK(has_segment(bytes, 0xEE, std::string_view("Adobe\0\x64\0\0\0\0\0", 12)));
  CHECK_FALSE(has_segment(bytes, 0xE0, "JFIF"));
  const testing::Decoded decoded = testing::turbojpeg_decode(bytes);
  testing::require_equal(decoded.pixels, c.rendered(view, "jpg").pixels);
  const Raster known = expected_pattern(256, 0, 256, 256, 3, 0);
  CHECK(testing::compare(decoded.pixels, known).mean < 2);
}

TEST_CASE("passthrough: grey JPEG passes in colour and grey; min-is-white is decoded",
          "[passthrough]") {
  Spec spec;
  spec.photometric = PHOTOMETRIC_MINISBLACK;
  spec.samples = 1;
  Case grey(spec);
  for (Quality q : {Quality::colour, Quality::grey}) {
    View view = tile_view(grey.info(), 0, 0, 0);
    view.quality = q;
    const auto [bytes, passed] = grey.get(view, "jpg");
    CHECK(passed);
    testing::require_equal(testing::turbojpeg_decode(bytes).pixels,
                           grey.rendered(view, "jpg").pixels);
  }
  View bitonal = tile_view(grey.info(), 0, 0, 0);
  bitonal.quality = Quality::bitonal;
  CHECK_FALSE(grey.get(bitonal, "jpg").second);

  spec.photometric = PHOTOMETRIC_MINISWHITE;  // samples are 255 - pattern(band 1)
  Case white(spec);
  const View view = tile_view(white.info(), 0, 0, 0);
  const auto [bytes, passed] = white.get(view, "jpg");
  CHECK_FALSE(passed);
  Raster known = expected_pattern(0, 0, 256, 256, 2, 0);
  Raster inverted(256, 256, 1);
  for (std::size_t i = 0; i < inverted.data.size(); ++i)
    inverted.data[i] = static_cast<std::uint8_t>(255 - known.data[2 * i + 1]);
  CHECK(testing::psnr(testing::turbojpeg_decode(bytes).pixels, inverted) > 30);
}

TEST_CASE("passthrough: views that are not exactly one stored tile take the normal path",
          "[passthrough]") {
  Case c(Spec{});
  const View interior = tile_view(c.info(), 0, 1, 0);
  REQUIRE(c.get(interior, "jpg").second);

  std::vector<std::pair<const char*, View>> views;
  views.emplace_back("right edge tile", tile_view(c.info(), 0, 2, 0));
  views.emplace_back("bottom edge tile", tile_view(c.info(), 0, 0, 1));
  View v = interior;
  v.rotation.degrees = 90;
  views.emplace_back("rotated", v);
  v = interior;
  v.rotation.mirror = true;
  views.emplace_back("mirrored", v);
  v = interior;
  v.invert = true;
  views.emplace_back("inverted", v);
  v = interior;
  v.gamma = {GammaMode::power, 2};
  views.emplace_back("gamma", v);
  v = interior;
  v.quality = Quality::grey;
  views.emplace_back("grey of colour", v);
  v = interior;
  v.region.x += 1;
  views.emplace_back("one pixel off", v);
  v = interior;
  v.width = v.height = 128;
  views.emplace_back("reduced", v);
  for (const auto& [name, view] : views) {
    CAPTURE(name);
    const auto [bytes, passed] = c.get(view, "jpg");
    CHECK_FALSE(passed);
    CHECK(testing::psnr(testing::turbojpeg_decode(bytes).pixels, c.rendered(view, "jpg").pixels) >
          30);
  }

  EncodeOptions own = c.engine->encode_options();
  own.jpeg_quality = 90;  // a request's own quality (IIP QLT)
  CHECK_FALSE(c.get(interior, "jpg", &own).second);
  CHECK_FALSE(c.get(interior, "png").second);
  CHECK_FALSE(c.get(interior, "webp").second);
  // The stored bytes decode as the pixels are: png shows them exactly.
  testing::require_equal(testing::libpng_decode(c.get(interior, "png").first).pixels,
                         c.rendered(interior, "png").pixels);

  Case off(Spec{}, [](EngineOptions& o) { o.passthrough = false; });
  CHECK_FALSE(off.get(interior, "jpg").second);
  Raster white(1, 1, 1, SampleType::f32);
  Case marked(Spec{}, [&](EngineOptions& o) {
    o.render.watermark = std::make_shared<Watermark>(white, std::vector<float>{}, 0.5, 1);
  });
  CHECK_FALSE(marked.get(interior, "jpg").second);

  Spec deflate;
  deflate.compression = COMPRESSION_ADOBE_DEFLATE;
  deflate.photometric = PHOTOMETRIC_RGB;
  Case d(deflate);
  const auto [bytes, passed] = d.get(interior, "jpg");
  CHECK_FALSE(passed);
  CHECK(testing::psnr(testing::turbojpeg_decode(bytes).pixels,
                      expected_pattern(256, 0, 256, 256, 3, 0)) > 35);
}

TEST_CASE("passthrough: an ICC conversion only blocks images that have a profile",
          "[passthrough]") {
  Case plain(Spec{});
  View view = tile_view(plain.info(), 0, 0, 0);
  view.convert_icc = true;  // the server-wide setting
  const auto [bytes, passed] = plain.get(view, "jpg");
  CHECK(passed);
  testing::require_equal(testing::turbojpeg_decode(bytes).pixels,
                         plain.rendered(view, "jpg").pixels);

  Spec spec;
  spec.icc = fake_profile("RGB ");
  Case profiled(spec);
  CHECK_FALSE(profiled.get(view, "jpg").second);
}

TEST_CASE("passthrough: ICC profile, XMP and density are those the encoder writes",
          "[passthrough]") {
  for (std::uint16_t photometric : {PHOTOMETRIC_YCBCR, PHOTOMETRIC_RGB}) {
    CAPTURE(photometric);
    Spec spec;
    spec.photometric = photometric;
    spec.icc = fake_profile("RGB ");
    spec.xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";
    spec.dpi = 300;
    const auto tune = [](bool on, std::size_t max_icc) {
      return [on, max_icc](EngineOptions& o) {
        o.passthrough = on;
        o.render.embed_xmp = true;
        o.render.max_icc = max_icc;
      };
    };
    for (std::size_t max_icc : {std::size_t{65536}, std::size_t{100}}) {
      Case on(spec, tune(true, max_icc)), off(spec, tune(false, max_icc));
      const View view = tile_view(on.info(), 0, 1, 0);
      const auto [bytes, passed] = on.get(view, "jpg");
      REQUIRE(passed);
      const testing::Decoded got = testing::turbojpeg_decode(bytes);
      const testing::Decoded normal = testing::turbojpeg_decode(off.get(view, "jpg").first);
      CHECK(got.icc == normal.icc);
      CHECK(got.icc == (max_icc > 300 ? spec.icc : ""));
      CHECK(got.xmp == spec.xmp);
      CHECK(normal.xmp == spec.xmp);
      CHECK(normal.dpi_x == 300);
      // RGB tiles cannot have a JFIF segment, the only place a JPEG keeps its density.
      CHECK(got.dpi_x == (photometric == PHOTOMETRIC_YCBCR ? 300 : 0));
      CHECK(got.dpi_y == got.dpi_x);
      testing::require_equal(got.pixels, on.rendered(view, "jpg").pixels);
    }
  }
}

TEST_CASE("passthrough: WebP tiles, lossy and lossless, with and without alpha", "[passthrough]") {
  for (int lossless : {0, 1})
    for (std::uint16_t samples : {3, 4}) {
      CAPTURE(lossless, samples);
      Spec spec;
      spec.compression = COMPRESSION_WEBP;
      spec.photometric = PHOTOMETRIC_RGB;
      spec.samples = samples;
      spec.webp_lossless = lossless;
      Case c(spec);
      REQUIRE(c.info().has_alpha == (samples == 4));
      const View view = tile_view(c.info(), 0, 1, 0);
      const auto [bytes, passed] = c.get(view, "webp");
      CHECK(passed);
      auto stored = c.source->read_stored_tile(0, 1, 0);
      REQUIRE(stored.ok());
      CHECK(bytes == stored->data);
      const testing::Decoded decoded = testing::libwebp_decode(bytes);
      testing::require_equal(decoded.pixels, c.rendered(view, "webp").pixels);
      const Raster known = expected_pattern(256, 0, 256, 256, samples, 0);
      CHECK(testing::psnr(decoded.pixels, known) > (lossless ? 98 : 30));

      const View edge = tile_view(c.info(), 0, 2, 1);
      const auto [edge_bytes, edge_passed] = c.get(edge, "webp");
      CHECK_FALSE(edge_passed);
      CHECK(testing::psnr(testing::libwebp_decode(edge_bytes).pixels,
                          c.rendered(edge, "webp").pixels) > 30);
      CHECK_FALSE(c.get(view, "jpg").second);
      EncodeOptions own = c.engine->encode_options();
      own.webp_quality = 90;
      CHECK_FALSE(c.get(view, "webp", &own).second);
    }
}

TEST_CASE("passthrough: WebP tiles get the ICC profile and XMP in a VP8X container",
          "[passthrough]") {
  for (std::uint16_t samples : {3, 4}) {
    Spec spec;
    spec.compression = COMPRESSION_WEBP;
    spec.photometric = PHOTOMETRIC_RGB;
    spec.samples = samples;
    spec.icc = fake_profile("RGB ");
    spec.xmp = "<x:xmpmeta xmlns:x='adobe:ns:meta/'/>";  // odd length: the chunk is padded
    const auto tune = [](bool on) {
      return [on](EngineOptions& o) {
        o.passthrough = on;
        o.render.embed_xmp = true;
      };
    };
    Case on(spec, tune(true)), off(spec, tune(false));
    const View view = tile_view(on.info(), 0, 0, 0);
    const auto [bytes, passed] = on.get(view, "webp");
    REQUIRE(passed);
    CHECK(bytes.compare(12, 4, "VP8X") == 0);
    const testing::Decoded got = testing::libwebp_decode(bytes);
    const testing::Decoded normal = testing::libwebp_decode(off.get(view, "webp").first);
    CHECK(got.icc == spec.icc);
    CHECK(got.xmp == spec.xmp);
    CHECK(normal.icc == got.icc);
    CHECK(normal.xmp == got.xmp);
    testing::require_equal(got.pixels, on.rendered(view, "webp").pixels);
  }
}

TEST_CASE("passthrough: damaged stored tiles are refused and the normal path answers",
          "[passthrough]") {
  Case c(Spec{});
  auto stored = c.source->read_stored_tile(0, 1, 0);
  REQUIRE(stored.ok());
  REQUIRE(standalone_jpeg(*stored, 3, {}));
  CHECK_FALSE(standalone_jpeg(*stored, 1, {}));  // a grey image cannot show 3 components
  StoredTile cut = *stored;
  for (std::size_t n = 0; n < stored->data.size(); n += n < 700 ? 1 : 97) {
    cut.data = stored->data.substr(0, n);
    CHECK_FALSE(standalone_jpeg(cut, 3, {}));
  }
  cut = *stored;
  for (std::size_t n = 0; n < stored->jpeg_tables.size(); ++n) {
    cut.jpeg_tables = stored->jpeg_tables.substr(0, n);
    CHECK_FALSE(standalone_jpeg(cut, 3, {}));  // empty: the tile alone has no tables
  }
  cut = *stored;
  cut.data[1] = '\x00';  // no SOI
  CHECK_FALSE(standalone_jpeg(cut, 3, {}));

  Spec webp;
  webp.compression = COMPRESSION_WEBP;
  webp.photometric = PHOTOMETRIC_RGB;
  Case w(webp);
  auto tile = w.source->read_stored_tile(0, 0, 0);
  REQUIRE(tile.ok());
  for (std::size_t n = 0; n < tile->data.size(); n += 7) {
    StoredTile t = *tile;
    t.data.resize(n);
    CHECK_FALSE(standalone_webp(std::move(t), false, {}));
  }
  StoredTile wrong = *tile;
  wrong.width = 128;  // a tile of another size
  CHECK_FALSE(standalone_webp(std::move(wrong), false, {}));

  // A tile damaged in the file: no pass-through, and no crash on the way.
  TIFF* t = TIFFOpen((c.dir.path() / "t.tif").c_str(), "r");
  REQUIRE(t);
  const std::uint64_t offset = TIFFGetStrileOffset(t, 1);
  TIFFClose(t);
  {
    std::fstream f(c.dir.path() / "t.tif", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write("\x12\x34", 2);
  }
  auto reopened = open_image(c.dir.path() / "t.tif");
  REQUIRE(reopened.ok());
  const std::uint64_t before = c.engine->passthrough_count();
  (void)c.engine->render_encoded(**reopened, tile_view(c.info(), 0, 1, 0),
                                 *find_output_format("jpg"), c.engine->encode_options());
  CHECK(c.engine->passthrough_count() == before);
}

TEST_CASE("passthrough: exact_tile wants a whole stored tile at scale 1", "[passthrough]") {
  ImageInfo info;
  info.bands = 3;
  info.levels = {{1024, 768, 256, 256, true}, {512, 384, 256, 256, false}};
  set_type_range(info);
  const OutputFormat& jpg = *find_output_format("jpg");
  const RenderSettings settings;
  const auto at = [&](const View& v) { return exact_tile(info, v, jpg, settings); };

  const auto t = at(make_view({768, 512, 256, 256}, 256, 256));
  REQUIRE(t);
  CHECK((t->level == 0 && t->x == 3 && t->y == 2));
  CHECK_FALSE(at(make_view({0, 0, 512, 512}, 256, 256)));  // level 1 is computed
  info.levels[1].stored = true;
  const auto reduced = at(make_view({512, 0, 512, 512}, 256, 256));
  REQUIRE(reduced);
  CHECK((reduced->level == 1 && reduced->x == 1 && reduced->y == 0));
  CHECK_FALSE(at(make_view({0, 512, 512, 256}, 256, 128)));  // level 1's padded bottom row
  CHECK_FALSE(at(make_view({0, 0, 256, 256}, 255, 256)));
  CHECK_FALSE(at(make_view({128, 0, 256, 256}, 256, 256)));
  View deep = make_view({0, 0, 256, 256}, 256, 256);
  deep.kernel = {1, {1.0}};
  CHECK_FALSE(at(deep));
  info.min_values[0] = 16;  // a stored range (SMinSampleValue) stretches the samples
  CHECK_FALSE(at(make_view({0, 0, 256, 256}, 256, 256)));
}

TEST_CASE("passthrough: the setting, on by default, and its count in /metrics", "[passthrough]") {
  const auto load = [](std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), "tessera");
    const EnvLookup lookup = [env](const std::string& name) -> std::optional<std::string> {
      const auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    const ConfigOutcome out = load_config(args, lookup, "/root");
    REQUIRE(out.action == ConfigOutcome::Action::run);
    return out.config.passthrough;
  };
  CHECK(load({}, {}));
  CHECK_FALSE(load({"--passthrough", "off"}, {}));
  CHECK_FALSE(load({}, {{"TESSERA_PASSTHROUGH", "0"}}));
  CHECK(load({"--passthrough=yes"}, {{"TESSERA_PASSTHROUGH", "false"}}));
  CHECK(EngineOptions{}.passthrough);

  Case c(Spec{});
  const Metrics metrics;
  CHECK(metrics.render(*c.engine, 0).find("\ntessera_passthrough_total 0\n") != std::string::npos);
  REQUIRE(c.get(tile_view(c.info(), 0, 0, 0), "jpg").second);
  REQUIRE(c.get(tile_view(c.info(), 0, 1, 0), "jpg").second);
  const std::string text = metrics.render(*c.engine, 0);
  CHECK(text.find("# TYPE tessera_passthrough_total counter\n") != std::string::npos);
  CHECK(text.find("\ntessera_passthrough_total 2\n") != std::string::npos);
}
