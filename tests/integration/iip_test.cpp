// The IIP protocol over HTTP, against images this test writes: OBJ text byte for byte, tiles of
// every resolution (edge tiles included) against the written values, CVT sizes, each processing
// command on an input whose correct output is known, and the error forms.

#include <catch2/catch.hpp>

#include <cmath>

#include "imaging/pyramid_writer.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/reference_decoders.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

TiffSpec rgb_spec() {
  TiffSpec s;
  s.width = 300;
  s.height = 200;
  s.levels = 4;  // 300x200 .. 38x25: the smallest fits one 64x64 tile
  s.samples = 3;
  s.photometric = PHOTOMETRIC_RGB;
  s.tags[TIFFTAG_DOCUMENTNAME] = "Test title";
  return s;
}

TiffSpec grey16_spec() {
  TiffSpec s;
  s.width = 128;
  s.height = 96;
  s.levels = 2;
  s.bits = 16;
  return s;
}

TiffSpec float_spec() {
  TiffSpec s;
  s.width = 64;
  s.height = 64;
  s.bits = 32;
  s.sample_format = SAMPLEFORMAT_IEEEFP;
  return s;
}

TiffSpec bands_spec() {
  TiffSpec s;
  s.width = 64;
  s.height = 40;
  s.samples = 5;
  return s;
}

// A grey raster of one value, or (ramp) each pixel's x.
Raster grey(std::int64_t w, std::int64_t h, int value, bool ramp) {
  Raster r(w, h, 1);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x) r.row(y)[x] = static_cast<std::uint8_t>(ramp ? x : value);
  return r;
}

struct Tree {
  TempDir dir;
  Tree() {
    write_tiff(dir.path() / "rgb.tif", rgb_spec());
    write_tiff(dir.path() / "grey16.tif", grey16_spec());
    write_tiff(dir.path() / "float.tif", float_spec());
    write_tiff(dir.path() / "bands.tif", bands_spec());
    PyramidOptions o;
    o.pyramid = false;
    REQUIRE_FALSE(write_pyramid_tiff(dir.path() / "ramp.tif", grey(256, 16, 0, true), o));
    REQUIRE_FALSE(write_pyramid_tiff(dir.path() / "flat.tif", grey(64, 64, 100, false), o));
  }
};

const Tree& tree() {
  static Tree t;
  return t;
}

std::unique_ptr<ServerProcess>& server() {
  static auto s = std::make_unique<ServerProcess>(std::vector<std::string>{
      "--root", tree().dir.path().string(), "--threads", "2", "--workers", "2"});
  return s;
}

HttpResponse iip(const std::string& query) {
  return iip_get(server()->port(), query);
}

Raster png(const std::string& query) {
  return iip_png(server()->port(), query);
}

int at(const Raster& r, std::int64_t x, std::int64_t y, int band = 0) {
  return r.row(y)[x * r.bands + band];
}

}  // namespace

TEST_CASE("iip over http: OBJ answers in iipsrv's bytes", "[iip]") {
  auto r =
      iip("FIF=rgb.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number&"
          "OBJ=Colorspace,*");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/vnd.netfpx");
  CHECK(r.body ==
        "IIP:1.0\r\nMax-size:300 200\r\nTile-size:64 64\r\nResolution-number:4\r\n"
        "Colorspace,0-3,0:0 0 3 3 0 1 2\r\n");
  CHECK(iip("FIF=rgb.tif&OBJ=resolutions").body ==
        "\r\nResolutions:38 25,75 50,150 100,300 200\r\n");
  CHECK(iip("FIF=rgb.tif&OBJ=title").body == "Test title\r\n");
  CHECK(iip("FIF=grey16.tif&OBJ=bits-per-channel&OBJ=min-max-sample-values&OBJ=colorspace").body ==
        "\r\nBits-per-channel:16\r\nMin-Max-sample-values: 0  65535\r\n"
        "Colorspace,0-1,0:0 0 1 1 0\r\n");
  CHECK(iip("FIF=bands.tif&OBJ=min-max-sample-values").body ==
        "\r\nMin-Max-sample-values: 0  255  0  255  0  255  0  255  0  255\r\n");
  CHECK(iip("fif=float.tif&obj=RESOLUTION-NUMBER&obj=horizontal-views&obj=vertical-views").body ==
        "\r\nResolution-number:1\r\nHorizontal-views:0\r\nVertical-views:90\r\n");
  CHECK(iip("FIF=rgb.tif&ROT=90&OBJ=max-size").body == "\r\nMax-size:200 300\r\n");
  // Validators: a repeat with the ETag is a 304.
  const std::string etag = r.header("etag");
  REQUIRE_FALSE(etag.empty());
  auto again = http_get(server()->port(),
                        "/iip?FIF=rgb.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&"
                        "OBJ=Resolution-number&OBJ=Colorspace,*",
                        {{"If-None-Match", etag}});
  CHECK(again.status == 304);
}

TEST_CASE("iip over http: tiles of every resolution, edge tiles cropped", "[iip]") {
  const TiffSpec spec = rgb_spec();
  for (int res = 0; res < 4; ++res) {
    const int level = 3 - res;
    std::int64_t w = spec.width, h = spec.height;
    for (int i = 0; i < level; ++i) w = (w + 1) / 2, h = (h + 1) / 2;
    const std::int64_t across = (w + 63) / 64, down = (h + 63) / 64;
    for (std::int64_t t = 0; t < across * down; ++t) {
      const std::string q = "FIF=rgb.tif&PTL=" + std::to_string(res) + "," + std::to_string(t);
      const Raster p = png(q);
      const std::int64_t x0 = t % across * 64, y0 = t / across * 64;
      INFO(q);
      REQUIRE(p.width == std::min<std::int64_t>(64, w - x0));
      REQUIRE(p.height == std::min<std::int64_t>(64, h - y0));
      int bad = 0;
      for (std::int64_t y = 0; y < p.height; ++y)
        for (std::int64_t x = 0; x < p.width; ++x)
          for (int b = 0; b < 3; ++b)
            bad += at(p, x, y, b) != written_value(spec, 0, level, x0 + x, y0 + y, b);
      CHECK(bad == 0);
    }
  }
  // The other formats decode to the same tile size; JTL is JPEG.
  const auto j = iip("FIF=rgb.tif&JTL=3,4");
  REQUIRE(j.status == 200);
  CHECK(j.header("content-type") == "image/jpeg");
  CHECK(decode_jpeg(j.body).width == 300 - 256);
  CHECK(libwebp_decode(iip("FIF=rgb.tif&WTL=3,4").body).pixels.height == 64);
  const auto t = iip("FIF=rgb.tif&TTL=2,0");
  CHECK(t.header("content-type") == "image/tiff");
  CHECK(libtiff_decode(t.body).pixels.width == 64);
  // 16-bit and float images come out as 8-bit tiles scaled by their range.
  const Raster g = png("FIF=grey16.tif&PTL=1,0");
  CHECK(g.width == 64);
  CHECK(std::abs(at(g, 5, 3) - std::lround(written_value(grey16_spec(), 0, 0, 5, 3, 0) / 257.0)) <=
        1);
  CHECK(png("FIF=float.tif&PTL=0,0").width == 64);
  CHECK(png("FIF=bands.tif&PTL=0,0").height == 40);
}

TEST_CASE("iip over http: CVT sizes, region, rotation and quality", "[iip]") {
  auto size = [](const std::string& q) {
    const Raster p = png("FIF=rgb.tif&" + q + "&CVT=png");
    return std::pair<std::int64_t, std::int64_t>{p.width, p.height};
  };
  CHECK(size("WID=150") == std::pair<std::int64_t, std::int64_t>{150, 100});
  CHECK(size("HEI=50") == std::pair<std::int64_t, std::int64_t>{75, 50});
  CHECK(size("WID=90&HEI=90") == std::pair<std::int64_t, std::int64_t>{90, 60});
  CHECK(size("RGN=0.9,0.9,0.5,0.5&WID=10") == std::pair<std::int64_t, std::int64_t>{10, 7});
  CHECK(size("WID=150&ROT=90") == std::pair<std::int64_t, std::int64_t>{100, 150});
  CHECK(size("RGN=0,0,0.5,0.5") == std::pair<std::int64_t, std::int64_t>{150, 100});
  // The region's pixels, unscaled: the top-left quarter is the written full level.
  const Raster q = png("FIF=rgb.tif&RGN=0.5,0.5,0.5,0.5&CVT=png");
  CHECK(at(q, 3, 2, 1) == written_value(rgb_spec(), 0, 0, 150 + 3, 100 + 2, 1));
  const auto jpeg = iip("FIF=rgb.tif&QLT=20&WID=100&CVT=jpeg");
  REQUIRE(jpeg.status == 200);
  CHECK(jpeg.header("content-disposition") == "inline;filename=\"rgb.jpg\"");
  const auto better = iip("FIF=rgb.tif&QLT=95&WID=100&CVT=jpeg");
  CHECK(better.body.size() > jpeg.body.size());
}

TEST_CASE("iip over http: processing commands on known inputs", "[iip]") {
  const Raster base = png("FIF=ramp.tif&CVT=png");
  REQUIRE(base.width == 256);
  for (int x = 0; x < 256; x += 17) REQUIRE(at(base, x, 3) == x);
  const Raster inv = png("FIF=ramp.tif&INV&CVT=png");
  const Raster gam = png("FIF=ramp.tif&GAM=2&PTL=0,0");
  const Raster bin = png("FIF=ramp.tif&COL=binary&CVT=png");
  const Raster cnt = png("FIF=ramp.tif&CNT=2&CVT=png");
  const Raster mm = png("FIF=ramp.tif&MINMAX=0:0,127&CVT=png");
  for (int x = 0; x < 256; ++x) {
    INFO("x = " << x);
    CHECK(at(inv, x, 5) == 255 - x);
    CHECK(std::abs(at(gam, x, 5) - 255.0 * std::pow(x / 255.0, 2)) <= 2);
    CHECK(at(bin, x, 5) == (x >= 128 ? 255 : 0));
    CHECK(std::abs(at(cnt, x, 5) - std::min(255, 2 * x)) <= 1);
    CHECK(std::abs(at(mm, x, 5) - std::min(255.0, x * 255.0 / 127.0)) <= 1);
  }
  const Raster hot = png("FIF=ramp.tif&CMP=hot&CVT=png");
  REQUIRE(hot.bands == 3);
  CHECK((at(hot, 0, 0, 0) == 0 && at(hot, 0, 0, 1) == 0 && at(hot, 0, 0, 2) == 0));
  CHECK((at(hot, 255, 0, 0) == 255 && at(hot, 255, 0, 1) == 255 && at(hot, 255, 0, 2) == 255));
  CHECK(at(hot, 85, 0, 2) == 0);  // the first third is red only
  // CTW picks band 2 of the RGB image.
  const Raster pick = png("FIF=rgb.tif&CTW=[0,0,1]&PTL=0,0");
  CHECK(at(pick, 7, 4) == written_value(rgb_spec(), 0, 3, 7, 4, 2));
  // Convolutions of a flat image: a normalised blur keeps it, a zero-sum kernel gives mid grey.
  CHECK(at(png("FIF=flat.tif&CNV=gaussian&CVT=png"), 30, 30) == 100);
  CHECK(std::abs(at(png("FIF=flat.tif&CNV=[0,-1,0,-1,4,-1,0,-1,0]&CVT=png"), 30, 30) - 128) <= 1);
  // A flat height map lit from 30 degrees: sin(30) = 0.5.
  CHECK(std::abs(at(png("FIF=flat.tif&SHD=0,30&CVT=png"), 30, 30) - 128) <= 1);
}

TEST_CASE("iip over http: errors in iipsrv's form, never a path", "[iip]") {
  auto check = [](const std::string& q, unsigned status, const std::string& body) {
    const auto r = iip(q);
    INFO(q);
    CHECK(r.status == status);
    CHECK(r.body == body);
    CHECK(r.header("content-type") == "application/vnd.netfpx");
    CHECK(r.body.find(tree().dir.path().string()) == std::string::npos);
  };
  check("OBJ=max-size", 400, "Error/12:1 3 max-size\r\n");
  check("JTL=0,0", 400, "Error/7:1 3 0,0\r\n");
  check("FIF=rgb.tif&FOO=1", 400, "Error/7:2 2 FOO\r\n");
  check("FIF=rgb.tif&OBJ=bogus", 400, "Error/9:3 2 bogus\r\n");
  check("FIF=rgb.tif", 400, "Error/15:2 1 FIF=rgb.tif\r\n");
  check("FIF=rgb.tif&JTL=9,0", 404, "Error/14:2 4 resolution\r\n");
  check("FIF=rgb.tif&JTL=3,99", 404, "Error/8:2 4 tile\r\n");
  check("FIF=rgb.tif&JTL=x,1", 400, "Error/7:2 3 JTL\r\n");
  check("FIF=rgb.tif&WID=0&CVT=png", 400, "Error/7:2 3 WID\r\n");
  check("FIF=nothing.tif&OBJ=max-size", 404, "Error/7:1 1 FIF\r\n");
  check("FIF=../../etc/passwd&OBJ=max-size", 404, "Error/7:1 1 FIF\r\n");
  check("FIF=%2Fetc%2Fpasswd&JTL=0,0", 404, "Error/7:1 1 FIF\r\n");
}

TEST_CASE("iip over http: a viewer's URL works unchanged", "[iip]") {
  const auto r = iip("FIF=rgb.tif&CNT=1.0&GAM=1.0&QLT=90&JTL=3,5");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "image/jpeg");
  CHECK(r.header("x-powered-by") == "IIPImage");
  const Raster j = decode_jpeg(r.body);
  CHECK(j.width == 64);
  CHECK(j.height == 64);
}

TEST_CASE("iip over http: CVT's file name is safe in its header", "[iip]") {
  TempDir dir;
  REQUIRE_FALSE(write_pyramid_tiff(dir.path() / "a\"b\\c\nd.tif", test_pattern(40, 30, 3)));
  ServerProcess local({"--root", dir.path().string()});
  const auto r = iip_get(local.port(), "FIF=a%22b%5Cc%0Ad.tif&WID=20&CVT=jpeg");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-disposition") == "inline;filename=\"a_b_c_d.jpg\"");
  CHECK(decode_jpeg(r.body).width == 20);
}
