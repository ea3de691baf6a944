// IIIF size parameter (Image API 3.0 section 4.2, 2.1 section 4.2) on the grid image: every form
// returns the dimensions the specification's rules give, with the grid squares where they belong.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct SizeCase {
  const char* region;  // "full" or x,y,w,h (the region's pixels, for the content check)
  const char* size;
  std::int64_t w, h;  // what the spec gives
};

// Region in full-image pixels of a "full" or "x,y,w,h" region parameter.
std::array<std::int64_t, 4> pixels_of(const std::string& region) {
  if (region == "full") return {0, 0, grid_width, grid_height};
  std::array<std::int64_t, 4> v{};
  std::size_t at = 0;
  for (auto& n : v) {
    const std::size_t comma = region.find(',', at);
    n = std::stoll(region.substr(at, comma - at));
    at = comma + 1;
  }
  return v;
}

void check_size(std::uint16_t port, const std::string& version, const SizeCase& c) {
  const std::string target =
      "/iiif/" + version + "/grid.tif/" + c.region + "/" + c.size + "/0/default.jpg";
  INFO(target);
  const Raster got = get_image(port, target);
  CHECK(got.width == c.w);
  CHECK(got.height == c.h);
  if (got.width != c.w || got.height != c.h) return;
  const auto [x, y, w, h] = pixels_of(c.region);
  const GridCheck g = check_grid(got, x, y, w, h, c.w, c.h, 8);
  INFO(g.first_failure);
  CHECK(g.checked > 0);
  CHECK(g.failed == 0);
}

void check_status(std::uint16_t port, const std::string& target, unsigned status) {
  const auto r = http_get(port, target);
  INFO(target << " -> " << r.status << " "
              << (r.header("content-type").starts_with("text/") ? r.body : r.header("link")));
  CHECK(r.status == status);
  if (status == 400 && r.status == 400) CHECK(r.body.starts_with("size: "));
}

// Dimensions of `max` / `^max` under limits: the region's aspect ratio scaled to the largest
// size within maxWidth, maxHeight and maxArea (within a pixel of the exact scale).
void check_max_under_limits(const Raster& got, double rw, double rh, double mw, double mh,
                            double ma) {
  const double s = std::min({mw / rw, mh / rh, std::sqrt(ma / (rw * rh))});
  INFO("got " << got.width << "x" << got.height << ", exact " << rw * s << "x" << rh * s);
  CHECK(got.width <= mw);
  CHECK(got.height <= mh);
  CHECK(double(got.width) * double(got.height) <= ma);
  CHECK(std::abs(double(got.width) - rw * s) < 1.0);
  CHECK(std::abs(double(got.height) - rh * s) < 1.0);
}

}  // namespace

TEST_CASE("iiif conformance: 3.0 size forms give the spec's dimensions", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  // The spec's own examples are on a 300x200 image: region 0,0,300,200 of the grid is one.
  for (const SizeCase& c : std::initializer_list<SizeCase>{
           {"full", "max", 1200, 800},
           {"full", "600,", 600, 400},
           {"full", "500,", 500, 333},  // 333.3: the aspect ratio "as closely as possible"
           {"full", "700,", 700, 467},  // 466.7
           {"full", "^1500,", 1500, 1000},
           {"full", "^600,", 600, 400},  // '^' allows upscaling, does not require it
           {"full", ",400", 600, 400},
           {"full", ",466", 699, 466},
           {"full", "^,1000", 1500, 1000},
           {"full", "pct:50", 600, 400},
           {"full", "pct:33", 396, 264},
           {"full", "pct:12.5", 150, 100},
           {"full", "^pct:150", 1800, 1200},
           {"full", "^pct:50", 600, 400},
           {"full", "300,300", 300, 300},
           {"full", "^1300,900", 1300, 900},
           {"full", "^600,400", 600, 400},
           {"full", "!600,600", 600, 400},
           {"full", "!600,300", 450, 300},
           {"full", "!500,500", 500, 333},
           {"full", "!1300,900", 1200, 800},  // not larger than the extracted region
           {"full", "^!600,600", 600, 400},
           {"0,0,300,200", "max", 300, 200},
           {"0,0,300,200", "150,", 150, 100},
           {"0,0,300,200", ",150", 225, 150},
           {"0,0,300,200", "pct:50", 150, 100},
           {"0,0,300,200", "225,100", 225, 100},
           {"0,0,300,200", "!225,100", 150, 100},  // "Returned image is 150,100 px"
           {"0,0,300,200", "^360,360", 360, 360},
           {"0,0,300,200", "^!360,360", 360, 240},  // "Returned image is 360,240 px"
           {"0,0,300,200", "!900,900", 300, 200},
           {"0,0,300,200", "^!900,900", 900, 600},
           {"150,250,500,300", "250,", 250, 150},
       })
    check_size(port, "3", c);
}

TEST_CASE("iiif conformance: 3.0 size errors", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const std::string base = "/iiif/3/grid.tif/";
  // Larger than the region without '^': "errors that SHOULD result in a 400".
  for (const char* size :
       {"1201,", ",801", "pct:101", "1300,900", "1201,100", "100,801", "pct:100.5"})
    check_status(port, base + "full/" + size + "/0/default.jpg", 400);
  check_status(port, base + "0,0,300,200/301,/0/default.jpg", 400);
  // `full` is not a 3.0 size.
  check_status(port, base + "full/full/0/default.jpg", 400);
  // "MUST NOT be less than 1 pixel": 0.12 x 0.08 pixels, and zero sizes.
  for (const char* size : {"pct:0.01", "^pct:0.01", "0,", ",0", "0,0", "pct:0", "!0,10"})
    check_status(port, base + "full/" + size + "/0/default.jpg", 400);
  // Within the image the 3.0 forms still work (the server kept serving).
  check_status(port, base + "full/pct:10/0/default.jpg", 200);
}

TEST_CASE("iiif conformance: 3.0 size whose derived side is under one pixel",
          "[iiif][conformance]") {
  // Region 1000x10 at width 10 scales to 10 x 0.1 pixels (and 10x1000 at height 10 to
  // 0.1 x 10): "For all requests the pixel dimensions of the scaled region MUST NOT be less
  // than 1 pixel ... errors that SHOULD result in a 400".
  auto server = start_server();
  check_status(server->port(), "/iiif/3/grid.tif/0,0,1000,10/10,/0/default.jpg", 400);
  check_status(server->port(), "/iiif/3/grid.tif/0,0,10,800/,10/0/default.jpg", 400);
  // The rounding method is the implementation's (section 4.7): a request shaped like a viewer
  // tile (region side 1200 = 10 x 128 tiles... ceil(1200 / 128) = 10) gets the viewer's
  // ceil(10 / 128) = 1 row, as OpenSeadragon lays out a deep level of a strip image.
  const auto r = http_get(server->port(), "/iiif/3/grid.tif/0,0,1200,10/10,/0/default.png");
  REQUIRE(r.status == 200);
  const Raster img = decode_image("png", r.body);
  CHECK(img.width == 10);
  CHECK(img.height == 1);
}

TEST_CASE("iiif conformance: 3.0 max, ^max and the size limits", "[iiif][conformance]") {
  // maxWidth 1000, maxHeight 900, maxArea 600000: each limit binds in one of the cases below.
  auto server =
      start_server({"--max-width", "1000", "--max-height", "900", "--max-area", "600000"});
  const auto port = server->port();
  const std::string base = "/iiif/3/grid.tif/";
  struct MaxCase {
    const char* region;
    const char* size;
    double rw, rh;
  };
  for (const MaxCase& c : std::initializer_list<MaxCase>{
           {"full", "max", 1200, 800},           // maxArea binds: 948.7 x 632.5
           {"full", "^max", 1200, 800},          // the same: no upscaling needed
           {"0,0,300,200", "^max", 300, 200},    // upscaled to the area limit
           {"0,0,600,100", "^max", 600, 100},    // maxWidth binds: 1000 x 166.7
           {"0,0,100,600", "^max", 100, 600},    // maxHeight binds: 150 x 900
           {"0,0,600,100", "max", 600, 100}}) {  // within limits: the region's own size
    const std::string target = base + c.region + "/" + c.size + "/0/default.jpg";
    INFO(target);
    const Raster got = get_image(port, target);
    if (std::string(c.size) == "max" && c.rw <= 1000 && c.rh <= 900 && c.rw * c.rh <= 600000) {
      CHECK(got.width == c.rw);
      CHECK(got.height == c.rh);
    } else {
      check_max_under_limits(got, c.rw, c.rh, 1000, 900, 600000);
    }
    const auto [x, y, w, h] = pixels_of(c.region);
    const GridCheck g = check_grid(got, x, y, w, h, got.width, got.height, 8);
    INFO(g.first_failure);
    CHECK(g.failed == 0);
  }
  // Exactly at each limit is served; one pixel over is "greater than the server-imposed limits".
  check_status(port, base + "0,0,1200,300/1000,/0/default.jpg", 200);
  check_status(port, base + "0,0,1200,300/1001,/0/default.jpg", 400);
  check_status(port, base + "0,0,320,800/^,900/0/default.jpg", 200);
  check_status(port, base + "0,0,320,800/^,901/0/default.jpg", 400);
  check_status(port, base + "full/800,750/0/default.jpg", 200);
  check_status(port, base + "full/801,750/0/default.jpg", 400);
  check_status(port, base + "full/1200,800/0/default.jpg", 400);
  check_status(port, base + "full/pct:100/0/default.jpg", 400);
  check_status(port, base + "full/^pct:200/0/default.jpg", 400);
  // 2.1 `max` honours the same limits (2.1 section 4.2: "as indicated by maxWidth ...").
  const Raster v2 = get_image(port, "/iiif/2/grid.tif/full/max/0/default.jpg");
  check_max_under_limits(v2, 1200, 800, 1000, 900, 600000);
  check_status(port, "/iiif/2/grid.tif/full/1001,/0/default.jpg", 400);
}

TEST_CASE("iiif conformance: 2.1 size forms, upscaling without '^'", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const SizeCase& c : std::initializer_list<SizeCase>{
           {"full", "full", 1200, 800},
           {"full", "max", 1200, 800},
           {"full", "600,", 600, 400},
           {"full", "700,", 700, 467},
           {"full", ",400", 600, 400},
           {"full", "pct:50", 600, 400},
           {"full", "300,300", 300, 300},
           {"full", "!600,300", 450, 300},
           {"full", "1500,", 1500, 1000},  // sizeAboveFull: no '^' in 2.1
           {"full", ",1000", 1500, 1000},
           {"full", "pct:150", 1800, 1200},
           {"full", "1300,900", 1300, 900},
           {"0,0,300,200", "full", 300, 200},
           {"0,0,300,200", "150,", 150, 100},
           {"0,0,300,200", ",150", 225, 150},
           {"0,0,300,200", "225,100", 225, 100},
           {"0,0,300,200", "!225,100", 150, 100},  // "Returned image is 150,100 px"
           {"0,0,300,200", "!900,900", 900, 600},  // best fit, the server scaling above full
       })
    check_size(port, "2", c);

  const std::string base = "/iiif/2/grid.tif/full/";
  // '^' is not part of 2.1; zero and sub-pixel results are 400 ("If the resulting height or
  // width is zero, then the server SHOULD return a 400").
  for (const char* size : {"^600,", "^max", "^pct:50", "^!600,600", "^,400", "^600,400", "0,", ",0",
                           "pct:0", "pct:0.01"})
    check_status(port, base + size + "/0/default.jpg", 400);
}

TEST_CASE("iiif conformance: 3.0 !w,h is confined by the server's limits too",
          "[iiif][conformance]") {
  // "!w,h: The returned image MUST be as large as possible but not larger than the extracted
  // region, w or h, or server-imposed limits" (and ^!w,h likewise without the region bound).
  auto server =
      start_server({"--max-width", "1000", "--max-height", "900", "--max-area", "600000"});
  const auto port = server->port();
  for (const char* size : {"!2000,2000", "^!2000,2000", "!1200,800"}) {
    const std::string target = std::string("/iiif/3/grid.tif/full/") + size + "/0/default.jpg";
    const auto r = http_get(port, target);
    INFO(target << " -> " << r.status << " " << r.body.substr(0, 100));
    CHECK(r.status == 200);
    if (r.status == 200)
      check_max_under_limits(decode_image("jpg", r.body), 1200, 800, 1000, 900, 600000);
  }
}
