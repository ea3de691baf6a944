// IIIF end to end: info.json and viewer tiles over HTTP, compared with the source pixels.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

TEST_CASE("iiif: info.json describes the pyramid and a usable id") {
  auto server = start_server();
  const auto r = http_get(server->port(), "/iiif/rgb.tif/info.json");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") ==
        "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"");
  CHECK(r.header("access-control-allow-origin") == "*");
  const auto doc = nlohmann::json::parse(r.body);
  CHECK(doc["@context"] == "http://iiif.io/api/image/3/context.json");
  CHECK(doc["id"] == "http://127.0.0.1:" + std::to_string(server->port()) + "/iiif/rgb.tif");
  CHECK(doc["type"] == "ImageService3");
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["profile"] == "level2");
  CHECK(doc["width"] == 1000);
  CHECK(doc["height"] == 700);
  CHECK(doc["maxWidth"] == 5000);
  CHECK(doc["tiles"] == nlohmann::json::parse(R"([{"width":256,"scaleFactors":[1,2,4]}])"));
  CHECK(
      doc["sizes"] ==
      nlohmann::json::parse(
          R"([{"width":250,"height":175},{"width":500,"height":350},{"width":1000,"height":700}])"));

  // Behind a proxy the id follows X-Forwarded-* (unless --base-url is set).
  const auto proxied =
      http_get(server->port(), "/iiif/sub%2Fnested.tif/info.json",
               {{"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "img.example.org"}});
  REQUIRE(proxied.status == 200);
  CHECK(nlohmann::json::parse(proxied.body)["id"] ==
        "https://img.example.org/iiif/sub%2Fnested.tif");
}

TEST_CASE("iiif: every viewer tile of every level matches the source, edge tiles included") {
  auto server = start_server();
  struct Case {
    const char* id;
    const Raster* full;
  };
  for (const Case& c : {Case{"rgb.tif", &images().rgb}, Case{"grey.tif", &images().grey}}) {
    const std::int64_t W = c.full->width, H = c.full->height;
    for (int k = 0; k < 3; ++k) {
      const std::int64_t s = std::int64_t{1} << k;
      const Raster level = pyramid_level(*c.full, k);
      for (std::int64_t y = 0; y < H; y += 256 * s)
        for (std::int64_t x = 0; x < W; x += 256 * s) {
          const std::int64_t w = std::min(256 * s, W - x), h = std::min(256 * s, H - y);
          const std::int64_t ow = (w + s - 1) / s, oh = (h + s - 1) / s;
          // OpenSeadragon asks "w," for IIIF 2 style and "w,h" for 3; both must give the same tile.
          for (const std::string& size : std::vector<std::string>{
                   std::to_string(ow) + ",", std::to_string(ow) + "," + std::to_string(oh)}) {
            const std::string target = "/iiif/" + std::string(c.id) + "/" + std::to_string(x) +
                                       "," + std::to_string(y) + "," + std::to_string(w) + "," +
                                       std::to_string(h) + "/" + size + "/0/default.jpg";
            INFO(target);
            const auto r = http_get(server->port(), target);
            REQUIRE(r.status == 200);
            CHECK(r.header("content-type") == "image/jpeg");
            const Raster got = decode_jpeg(r.body);
            REQUIRE(got.width == ow);
            REQUIRE(got.height == oh);
            REQUIRE(got.bands == c.full->bands);
            const auto d = compare(got, crop(level, x / s, y / s, ow, oh));
            CHECK(d.mean < 1.5);  // JPEG q100 on exact pixels; a 1-pixel shift gives ~20
          }
        }
    }
  }
}

TEST_CASE("iiif: scaled regions, full images and JPEG-compressed sources") {
  auto server = start_server();
  SECTION("full/max is the whole image") {
    const auto r = http_get(server->port(), "/iiif/rgb.tif/full/max/0/default.jpg");
    REQUIRE(r.status == 200);
    const Raster got = decode_jpeg(r.body);
    CHECK(got.width == 1000);
    CHECK(compare(got, images().rgb).mean < 1.5);
  }
  SECTION("a JPEG-in-TIFF source decodes close to the original") {
    const auto r = http_get(server->port(), "/iiif/jpeg.tif/256,256,256,256/256,/0/default.jpg");
    REQUIRE(r.status == 200);
    CHECK(compare(decode_jpeg(r.body), crop(images().rgb, 256, 256, 256, 256)).mean < 12);
  }
  SECTION("downscaled output has the requested size and averages the source") {
    const auto r = http_get(server->port(), "/iiif/grey.tif/full/100,/0/default.jpg");
    REQUIRE(r.status == 200);
    const Raster got = decode_jpeg(r.body);
    CHECK(got.width == 100);
    CHECK(got.height == 71);  // round(555 * 100 / 777)
  }
  SECTION("the base URI redirects to info.json") {
    const auto r = http_get(server->port(), "/iiif/rgb.tif");
    CHECK(r.status == 303);
    CHECK(r.header("location") ==
          "http://127.0.0.1:" + std::to_string(server->port()) + "/iiif/rgb.tif/info.json");
  }
  SECTION("UTF-8 identifiers and sub-directories") {
    CHECK(http_get(server->port(), "/iiif/caf%C3%A9.tif/info.json").status == 200);
    CHECK(http_get(server->port(), "/iiif/sub%2Fnested.tif/full/64,/0/default.jpg").status == 200);
  }
  SECTION("bad requests are 400 with a plain message, and the server keeps serving") {
    for (const char* t :
         {"/iiif/rgb.tif/pct:50abc,0,1,1/max/0/default.jpg",
          "/iiif/rgb.tif/full/500,500x/0/default.jpg",
          "/iiif/rgb.tif/2000,2000,10,10/max/0/default.jpg",
          "/iiif/rgb.tif/full/2000,/0/default.jpg", "/iiif/rgb.tif/full/max/0/default.png8"}) {
      INFO(t);
      const auto r = http_get(server->port(), t);
      CHECK(r.status == 400);
      CHECK(r.header("content-type") == "text/plain; charset=utf-8");
      CHECK(r.header("access-control-allow-origin") == "*");
    }
    CHECK(http_get(server->port(), "/iiif/rgb.tif/full/max/0/default.jpg").status == 200);
  }
}
