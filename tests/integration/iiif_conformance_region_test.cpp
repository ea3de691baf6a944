// IIIF region parameter (Image API 3.0 section 4.1, 2.1 section 4.1) on the grid image: every
// form extracts the pixels it names, cropped at the image's edge, and empty or outside regions
// are 400.

#include <catch2/catch.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct RegionCase {
  std::string region;
  std::int64_t x, y, w, h;  // the pixels the spec's definition selects
};

void check_region(std::uint16_t port, const std::string& version, const std::string& size,
                  const std::string& format, const RegionCase& c) {
  const std::string target =
      "/iiif/" + version + "/grid.tif/" + c.region + "/" + size + "/0/default." + format;
  INFO(target);
  const Raster got = get_image(port, target);
  REQUIRE(got.width == c.w);
  REQUIRE(got.height == c.h);
  const GridCheck g = check_grid(got, c.x, c.y, c.w, c.h, c.w, c.h, format == "png" ? 1 : 8);
  INFO(g.first_failure);
  CHECK(g.failed == 0);
  // The corners show the squares under the region's corners (inset by 2 pixels: resampling
  // never mixes in pixels from outside the region, but JPEG blocks may blur a pixel or two).
  const auto corner = [&](std::int64_t ox, std::int64_t oy) {
    const std::int64_t sx = c.x + ox, sy = c.y + oy;
    const Rgb want = grid_colour(int(sx / grid_square), int(sy / grid_square));
    // Skip corners that fall within 2 pixels of a square boundary.
    if (sx % grid_square < 2 || sx % grid_square > grid_square - 3 || sy % grid_square < 2 ||
        sy % grid_square > grid_square - 3)
      return;
    INFO("corner at " << ox << "," << oy);
    CHECK(near(pixel_at(got, ox, oy), want, format == "png" ? 1 : 10));
  };
  if (c.w > 6 && c.h > 6) {
    corner(2, 2);
    corner(c.w - 3, 2);
    corner(2, c.h - 3);
    corner(c.w - 3, c.h - 3);
  }
}

void check_bad_region(std::uint16_t port, const std::string& target) {
  const auto r = http_get(port, target);
  INFO(target << " -> " << r.status << " " << r.body);
  CHECK(r.status == 400);
  CHECK(r.body.starts_with("region: "));
}

}  // namespace

TEST_CASE("iiif conformance: 3.0 regions select the named pixels", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  check_region(port, "3", "max", "jpg", {"full", 0, 0, 1200, 800});
  for (const RegionCase& c : std::initializer_list<RegionCase>{
           // "width and height are both equal to the length of the shorter dimension", centred
           // (the spec's suggested default; Tessera documents centring).
           {"square", 200, 0, 800, 800},
           {"150,250,500,300", 150, 250, 500, 300},
           {"0,0,1200,800", 0, 0, 1200, 800},
           {"1199,799,1,1", 1199, 799, 1, 1},
           {"pct:12.5,25,50,37.5", 150, 200, 600, 300},
           // Floating point percentages: 10.25% of 1200 = 123, 20.5% of 800 = 164, ...
           {"pct:10.25,20.5,30.75,40.125", 123, 164, 369, 321},
           {"pct:0,0,100,100", 0, 0, 1200, 800},
           // Extending beyond the image: "cropped at the image's edge".
           {"1100,700,300,300", 1100, 700, 100, 100},
           {"1000,0,5000,150", 1000, 0, 200, 150},
           {"pct:75,50,50,100", 900, 400, 300, 400},
       })
    check_region(port, "3", "max", "png", c);

  // The single pixel is the bottom-right square's colour.
  const Raster one = get_image(port, "/iiif/3/grid.tif/1199,799,1,1/max/0/default.png");
  CHECK(near(pixel_at(one, 0, 0), grid_colour(11, 7), 1));

  // A square region scaled: region first, then size.
  const Raster sq = get_image(port, "/iiif/3/grid.tif/square/200,/0/default.png");
  REQUIRE(sq.width == 200);
  REQUIRE(sq.height == 200);
  const GridCheck g = check_grid(sq, 200, 0, 800, 800, 200, 200, 2);
  INFO(g.first_failure);
  CHECK(g.checked == 64);
  CHECK(g.failed == 0);
}

TEST_CASE("iiif conformance: 2.1 regions", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const RegionCase& c : std::initializer_list<RegionCase>{
           {"square", 200, 0, 800, 800},
           {"150,250,500,300", 150, 250, 500, 300},
           {"pct:12.5,25,50,37.5", 150, 200, 600, 300},
           {"pct:10.25,20.5,30.75,40.125", 123, 164, 369, 321},
           {"1100,700,300,300", 1100, 700, 100, 100},
           {"pct:75,50,50,100", 900, 400, 300, 400},
       })
    check_region(port, "2", "full", "png", c);
}

TEST_CASE("iiif conformance: empty and outside regions are 400", "[iiif][conformance]") {
  // "If the requested region's height or width is zero, or if the region is entirely outside
  // the bounds of the reported dimensions, then the server SHOULD return a 400".
  auto server = start_server();
  const auto port = server->port();
  for (const std::string version : {"3", "2"}) {
    const std::string size = version == "3" ? "max" : "full";
    for (const char* region : {"1200,0,10,10", "0,800,10,10", "5000,5000,1,1", "1200,800,1,1",
                               "pct:100,0,10,10", "pct:0,100,10,10", "pct:150,150,10,10",
                               "0,0,0,10", "0,0,10,0", "0,0,0,0", "pct:0,0,0,50", "pct:0,0,50,0"})
      check_bad_region(port,
                       "/iiif/" + version + "/grid.tif/" + region + "/" + size + "/0/default.jpg");
  }
  // Just inside the right and bottom edges is still an image.
  CHECK(http_get(port, "/iiif/3/grid.tif/1199,0,10,10/max/0/default.jpg").status == 200);
  CHECK(http_get(port, "/iiif/3/grid.tif/0,799,10,10/max/0/default.jpg").status == 200);
}
