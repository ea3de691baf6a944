// IIIF rotation, quality and format (Image API 3.0 sections 4.3-4.6, 2.1 the same): mirrored and
// rotated squares land where the order "region, size, mirror, rotate" puts them; gray and
// bitonal are what they say; every format decodes with its own library.

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

using Point = std::pair<double, double>;

// Clockwise by `degrees` about the centre of a w x h box, into a W x H box (y down).
Placement rotate_about_centre(double degrees, double w, double h, double W, double H, bool mirror) {
  const double a = degrees * std::numbers::pi / 180.0;
  return [=](double u, double v) -> Point {
    if (mirror) u = w - u;
    const double dx = u - w / 2, dy = v - h / 2;
    return {W / 2 + dx * std::cos(a) - dy * std::sin(a),
            H / 2 + dx * std::sin(a) + dy * std::cos(a)};
  };
}

}  // namespace

TEST_CASE("iiif conformance: rotation by multiples of 90, mirrored first", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  // Region 100,200,400,300 scaled to 200x150 (squares 50 pixels), then mirrored and rotated.
  const double w = 200, h = 150;
  struct Case {
    const char* rotation;
    std::int64_t ow, oh;  // the rotated size: width and height swap at 90 and 270
    Placement place;
  };
  const std::vector<Case> cases{
      {"0", 200, 150,
       [](double u, double v) {
         return Point{u, v};
       }},
      {"360", 200, 150,
       [](double u, double v) {
         return Point{u, v};
       }},
      {"90", 150, 200,
       [=](double u, double v) {
         return Point{h - v, u};
       }},
      {"180", 200, 150,
       [=](double u, double v) {
         return Point{w - u, h - v};
       }},
      {"270", 150, 200,
       [=](double u, double v) {
         return Point{v, w - u};
       }},
      {"!0", 200, 150,
       [=](double u, double v) {
         return Point{w - u, v};
       }},
      {"!90", 150, 200,
       [=](double u, double v) {
         return Point{h - v, w - u};
       }},
      {"!180", 200, 150,
       [=](double u, double v) {
         return Point{u, h - v};
       }},
      {"!270", 150, 200,
       [=](double u, double v) {
         return Point{v, u};
       }},
  };
  for (const std::string version : {"3", "2"})
    for (const Case& c : cases) {
      const std::string target =
          "/iiif/" + version + "/grid.tif/100,200,400,300/200,/" + c.rotation + "/default.png";
      INFO(target);
      const Raster got = get_image(port, target);
      CHECK(got.width == c.ow);
      CHECK(got.height == c.oh);
      if (got.width != c.ow || got.height != c.oh) continue;
      const GridCheck g = check_grid(got, 100, 200, 400, 300, 200, 150, 2, c.place);
      INFO(g.first_failure);
      CHECK(g.checked == 12);
      CHECK(g.failed == 0);
    }
}

TEST_CASE("iiif conformance: region, size, mirror, rotation, quality in that order",
          "[iiif][conformance]") {
  // After the spec's example ".../125,15,120,140/90,/!345/gray.jpg", with a 90-degree turn so
  // the result is exact: region 150,250,300,200 (squares 1-3, rows 2-4), 150 wide, mirrored,
  // turned, gray.
  auto server = start_server();
  for (const std::string version : {"3", "2"}) {
    const Raster got = get_image(
        server->port(), "/iiif/" + version + "/grid.tif/150,250,300,200/150,/!90/gray.png");
    REQUIRE(got.width == 100);
    REQUIRE(got.height == 150);
    const double w = 150, h = 100;
    const GridCheck g = check_grid(
        got, 150, 250, 300, 200, 150, 100, 2,
        [=](double u, double v) {
          return Point{h - v, w - u};
        },
        [](const Rgb& c) {
          const int v = static_cast<int>(std::lround(luma(c)));
          return Rgb{v, v, v};
        });
    INFO(g.first_failure);
    CHECK(g.checked == 6);
    CHECK(g.failed == 0);
  }
}

TEST_CASE("iiif conformance: arbitrary rotation fills the bounding box, transparent corners",
          "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  struct Case {
    const char* region;
    double w, h;
    const char* rotation;
    double degrees;
    bool mirror;
  };
  for (const Case& c : std::initializer_list<Case>{{"0,0,300,300", 300, 300, "30", 30, false},
                                                   {"0,0,300,200", 300, 200, "22.5", 22.5, false},
                                                   {"0,0,300,300", 300, 300, "!30", 30, true},
                                                   {"0,0,300,200", 300, 200, "300", 300, false}}) {
    const std::string target =
        std::string("/iiif/3/grid.tif/") + c.region + "/max/" + c.rotation + "/default.png";
    INFO(target);
    const Raster got = get_image(port, target);
    // "no additional space between the corners of the rotated image contents and the bounding
    // box": |w cos| + |h sin| by |w sin| + |h cos|, to within a pixel of rounding.
    const double a = c.degrees * std::numbers::pi / 180.0;
    const double bw = std::abs(c.w * std::cos(a)) + std::abs(c.h * std::sin(a));
    const double bh = std::abs(c.w * std::sin(a)) + std::abs(c.h * std::cos(a));
    INFO("got " << got.width << "x" << got.height << ", box " << bw << "x" << bh);
    CHECK(std::abs(double(got.width) - bw) <= 1.0);
    CHECK(std::abs(double(got.height) - bh) <= 1.0);
    // "return the image with a transparent background": PNG carries alpha, 0 in the corners.
    REQUIRE((got.bands == 2 || got.bands == 4));
    for (auto [x, y] : {std::pair<std::int64_t, std::int64_t>{0, 0},
                        {got.width - 1, 0},
                        {0, got.height - 1},
                        {got.width - 1, got.height - 1}})
      CHECK(alpha_at(got, x, y) == 0);
    CHECK(alpha_at(got, got.width / 2, got.height / 2) == 255);
    const GridCheck g = check_grid(
        got, 0, 0, std::int64_t(c.w), std::int64_t(c.h), std::int64_t(c.w), std::int64_t(c.h), 3,
        rotate_about_centre(c.degrees, c.w, c.h, double(got.width), double(got.height), c.mirror));
    INFO(g.first_failure);
    CHECK(g.checked == (c.h == 300 ? 9 : 6));
    CHECK(g.failed == 0);
  }
}

TEST_CASE("iiif conformance: rotation out of range or malformed is 400", "[iiif][conformance]") {
  // "any floating point number from 0 to 360"; "A rotation value that is out of range or
  // unsupported SHOULD result in a 400".
  auto server = start_server();
  const auto port = server->port();
  for (const std::string version : {"3", "2"})
    for (const char* rotation : {"361", "360.5", "-1", "-90", "1e2", "9e1", "abc", "+90", "!!90",
                                 "90!", "!", "!-90", "0x10", "nan", "inf", "90,0", "ninety"}) {
      const std::string target =
          "/iiif/" + version + "/grid.tif/full/max/" + rotation + "/default.jpg";
      const auto r = http_get(port, target);
      INFO(target << " -> " << r.status << " " << r.body);
      CHECK(r.status == 400);
      CHECK(r.body.starts_with("rotation: "));
    }
}

TEST_CASE("iiif conformance: gray, bitonal, color and default qualities", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  // All 96 squares at a quarter of the size (25-pixel squares).
  const std::string base = "/iiif/3/grid.tif/full/300,/0/";

  SECTION("gray: every pixel a shade of gray, the luminance of the colour") {
    for (const std::string version : {"3", "2"}) {
      const Raster got = get_image(port, "/iiif/" + version + "/grid.tif/full/300,/0/gray.png");
      REQUIRE(got.width == 300);
      if (got.bands >= 3)
        for (std::int64_t y = 0; y < got.height; ++y)
          for (std::int64_t x = 0; x < got.width; ++x) {
            const Rgb p = pixel_at(got, x, y);
            if (p.r != p.g || p.g != p.b) FAIL("pixel " << x << "," << y << " is " << to_string(p));
          }
      const auto grey = [](const Rgb& c) {
        const int v = static_cast<int>(std::lround(luma(c)));
        return Rgb{v, v, v};
      };
      const GridCheck g = check_grid(got, 0, 0, 1200, 800, 300, 200, 2, {}, grey);
      INFO(g.first_failure);
      CHECK(g.checked == 96);
      CHECK(g.failed == 0);
    }
    // JPEG too (its gray may be a one-channel file).
    const Raster jpg = get_image(port, base + "gray.jpg");
    const GridCheck g = check_grid(jpg, 0, 0, 1200, 800, 300, 200, 6, {}, [](const Rgb& c) {
      const int v = static_cast<int>(std::lround(luma(c)));
      return Rgb{v, v, v};
    });
    INFO(g.first_failure);
    CHECK(g.failed == 0);
  }

  SECTION("bitonal: only black and white, light squares white and dark ones black") {
    for (const std::string version : {"3", "2"}) {
      const Raster got = get_image(port, "/iiif/" + version + "/grid.tif/full/300,/0/bitonal.png");
      const int colour_bands = got.bands >= 3 ? 3 : 1;
      for (std::int64_t y = 0; y < got.height; ++y)
        for (std::int64_t x = 0; x < got.width; ++x)
          for (int b = 0; b < colour_bands; ++b) {
            const int v = got.row(y)[x * got.bands + b];
            if (v != 0 && v != 255) FAIL("sample " << x << "," << y << "," << b << " is " << v);
          }
      int checked = 0;
      for (int row = 0; row < 8; ++row)
        for (int col = 0; col < 12; ++col) {
          const double l = luma(grid_colour(col, row));
          if (std::abs(l - 127.5) < 12) continue;  // the threshold is the server's choice
          const int want = l > 127.5 ? 255 : 0;
          ++checked;
          const Rgb p = pixel_at(got, col * 25 + 12, row * 25 + 12);
          INFO("square " << col << "," << row << " luma " << l);
          CHECK(p.r == want);
        }
      CHECK(checked > 60);
    }
  }

  SECTION("color of a gray image \"MUST NOT result in an error\"") {
    for (const std::string version : {"3", "2"}) {
      const Raster got = get_image(port, "/iiif/" + version + "/grey.tif/full/100,/0/color.png");
      CHECK(got.width == 100);
    }
  }

  SECTION("color and default give the same image here (the server's default is colour)") {
    for (const std::string version : {"3", "2"}) {
      const std::string b = "/iiif/" + version + "/grid.tif/full/300,/0/";
      const auto colour = http_get(port, b + "color.png");
      const auto dflt = http_get(port, b + "default.png");
      REQUIRE(colour.status == 200);
      REQUIRE(dflt.status == 200);
      const Raster c = decode_image("png", colour.body), d = decode_image("png", dflt.body);
      REQUIRE(c.width == d.width);
      REQUIRE(c.bands == d.bands);
      CHECK(c.data == d.data);
      const GridCheck g = check_grid(c, 0, 0, 1200, 800, 300, 200, 1);
      INFO(g.first_failure);
      CHECK(g.failed == 0);
    }
  }
}

TEST_CASE("iiif conformance: every output format decodes to the requested image",
          "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  struct Format {
    const char* ext;
    const char* mime;  // the spec's table (avif: its registered type)
    std::string magic;
    std::size_t magic_at;
    int tolerance;
  };
  using namespace std::string_literals;
  for (const Format& f :
       std::initializer_list<Format>{{"jpg", "image/jpeg", "\xFF\xD8\xFF"s, 0, 8},
                                     {"png", "image/png", "\x89PNG\r\n\x1A\n"s, 0, 1},
                                     {"webp", "image/webp", "WEBP"s, 8, 12},
                                     {"tif", "image/tiff", ""s, 0, 1},
                                     {"gif", "image/gif", "GIF8"s, 0, 16},
                                     {"avif", "image/avif", "ftyp"s, 4, 20}}) {
    for (const std::string version : {"3", "2"}) {
      const std::string target =
          "/iiif/" + version + "/grid.tif/0,0,400,300/max/0/default." + f.ext;
      const auto r = http_get(port, target);
      INFO(target << " -> " << r.status << " " << r.body.substr(0, 100));
      REQUIRE(r.status == 200);
      CHECK(r.header("content-type") == f.mime);
      if (std::string(f.ext) == "tif")
        CHECK((r.body.starts_with("II*\0"s) || r.body.starts_with("MM\0*"s)));
      else
        CHECK(r.body.substr(f.magic_at, f.magic.size()) == f.magic);
      if (std::string(f.ext) == "webp") CHECK(r.body.starts_with("RIFF"));
      if (std::string(f.ext) == "avif")
        CHECK(r.body.substr(8, 32).find("avif") != std::string::npos);
      const Raster got = decode_image(f.ext, r.body);
      REQUIRE(got.width == 400);
      REQUIRE(got.height == 300);
      const GridCheck g = check_grid(got, 0, 0, 400, 300, 400, 300, f.tolerance);
      INFO(g.first_failure);
      CHECK(g.checked == 12);
      CHECK(g.failed == 0);
    }
  }
}
