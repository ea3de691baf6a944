#include <catch2/catch.hpp>

#include "protocols/iiif/features.hpp"
#include "protocols/iiif/request.hpp"

using namespace tessera;
using namespace tessera::iiif;

namespace {

Errc parse_error(std::string_view path) {
  auto r = parse(path);
  REQUIRE_FALSE(r.ok());
  return r.error().code;
}

View resolved(std::string_view path, std::int64_t W, std::int64_t H, Limits limits = {}) {
  auto p = parse(path);
  REQUIRE(p.ok());
  REQUIRE(p->kind == ParsedRequest::Kind::image);
  auto spec = resolve(p->image, W, H, ResolveOptions{limits});
  INFO(path);
  REQUIRE(spec.ok());
  return *spec;
}

Errc resolve_error(std::string_view path, std::int64_t W, std::int64_t H, Limits limits = {}) {
  auto p = parse(path);
  REQUIRE(p.ok());
  auto spec = resolve(p->image, W, H, ResolveOptions{limits});
  REQUIRE_FALSE(spec.ok());
  return spec.error().code;
}

}  // namespace

TEST_CASE("iiif parse: the three request kinds and identifiers") {
  auto base = parse("img.tif");
  REQUIRE(base.ok());
  CHECK(base->kind == ParsedRequest::Kind::base);
  CHECK(base->identifier == "img.tif");

  auto info = parse("dir%2Fimg.tif/info.json");
  REQUIRE(info.ok());
  CHECK(info->kind == ParsedRequest::Kind::info);
  CHECK(info->identifier == "dir/img.tif");

  auto image = parse("caf%C3%A9.tif/0,256,256,128/128,/0/default.jpg");
  REQUIRE(image.ok());
  CHECK(image->kind == ParsedRequest::Kind::image);
  CHECK(image->identifier == "caf\xC3\xA9.tif");
  CHECK(image->image.region.kind == Region::Kind::pixels);
  CHECK(image->image.region.y == 256);
  CHECK(image->image.size.kind == Size::Kind::width);
  CHECK(image->image.size.w == 128);
  CHECK(image->image.quality == "default");
  CHECK(image->image.format == "jpg");

  auto unescaped =
      parse("dir/img.tif/full/max/0/default.jpg");  // unencoded slashes are accepted too
  REQUIRE(unescaped.ok());
  CHECK(unescaped->identifier == "dir/img.tif");
}

TEST_CASE("iiif parse: malformed requests are 400, never silently accepted") {
  for (std::string_view bad : {
           "a.tif/pct:50abc,0,10,10/max/0/default.jpg",
           "a.tif/0,0,10,10x/max/0/default.jpg",
           "a.tif/+5,0,10,10/max/0/default.jpg",
           "a.tif/-5,0,10,10/max/0/default.jpg",
           "a.tif/0,0,10/max/0/default.jpg",
           "a.tif/0,0,0,10/max/0/default.jpg",
           "a.tif/pct:0,0,0,10/max/0/default.jpg",
           "a.tif/0,0,1e2,10/max/0/default.jpg",
           "a.tif/ 0,0,10,10/max/0/default.jpg",
           "a.tif/full/500,500x/0/default.jpg",
           "a.tif/full/0,/0/default.jpg",
           "a.tif/full/,0/0/default.jpg",
           "a.tif/full/,/0/default.jpg",
           "a.tif/full/!100,/0/default.jpg",
           "a.tif/full/pct:/0/default.jpg",
           "a.tif/full/pct:0/0/default.jpg",
           "a.tif/full/full/0/default.jpg",
           "a.tif/full/max/361/default.jpg",
           "a.tif/full/max/-90/default.jpg",
           "a.tif/full/max/abc/default.jpg",
           "a.tif/full/max/0/default",
           "a.tif/full/max/0/default.JPG",
           "a.tif/full/max/0/fancy.jpg",
           "a.tif/full/max/0/default.xyz",
           "a.tif//max/0/default.jpg",
           "a.tif/full/max/0/",
           "",
           "bad%zz.tif/info.json",
       }) {
    INFO(bad);
    CHECK(parse_error(bad) == Errc::bad_request);
  }
}

TEST_CASE("iiif parse: a full turn is no rotation") {
  CHECK(parse("a.tif/full/max/360/default.jpg").ok());
}

TEST_CASE("iiif resolve: rotation, mirroring and quality reach the view") {
  const View v = resolved("a/full/max/!22.5/gray.png", 1000, 700);
  CHECK(v.rotation.mirror);
  CHECK(v.rotation.degrees == 22.5);
  CHECK(v.quality == Quality::grey);
  CHECK(resolved("a/full/max/90/bitonal.jpg", 1000, 700).quality == Quality::bitonal);
  CHECK(resolved("a/full/max/0/color.jpg", 1000, 700).quality == Quality::colour);
  CHECK(resolved("a/full/max/0/default.webp", 1000, 700).quality == Quality::colour);
}

TEST_CASE("iiif resolve: regions are cropped to the image, or 400 when outside") {
  const Rect full{0, 0, 1000, 700};
  CHECK(resolved("a/full/max/0/default.jpg", 1000, 700).region == full);
  CHECK(resolved("a/square/max/0/default.jpg", 1000, 700).region == Rect{150, 0, 700, 700});
  CHECK(resolved("a/square/max/0/default.jpg", 600, 1000).region == Rect{0, 200, 600, 600});
  CHECK(resolved("a/768,512,512,512/max/0/default.jpg", 1000, 700).region ==
        Rect{768, 512, 232, 188});
  CHECK(resolved("a/pct:10,20,50,50/max/0/default.jpg", 1000, 700).region ==
        Rect{100, 140, 500, 350});
  CHECK(resolve_error("a/1000,0,10,10/max/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/2000,2000,10,10/max/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/pct:100,0,10,10/max/0/default.jpg", 1000, 700) == Errc::bad_request);
}

TEST_CASE("iiif resolve: sizes follow the 3.0 rules") {
  auto size_of = [](std::string_view path, Limits limits = {}) {
    const View s = resolved(path, 1000, 700, limits);
    return std::pair{s.width, s.height};
  };
  using P = std::pair<std::int64_t, std::int64_t>;
  CHECK(size_of("a/full/max/0/default.jpg") == P{1000, 700});
  CHECK(size_of("a/full/500,/0/default.jpg") == P{500, 350});
  CHECK(size_of("a/full/,350/0/default.jpg") == P{500, 350});
  CHECK(size_of("a/full/300,300/0/default.jpg") == P{300, 300});
  CHECK(size_of("a/full/!500,500/0/default.jpg") == P{500, 350});
  CHECK(size_of("a/full/!2000,100/0/default.jpg") == P{143, 100});
  CHECK(size_of("a/full/pct:25/0/default.jpg") == P{250, 175});
  CHECK(size_of("a/full/^2000,/0/default.jpg") == P{2000, 1400});
  CHECK(size_of("a/full/^pct:150/0/default.jpg") == P{1500, 1050});
  CHECK(size_of("a/full/^!2000,2000/0/default.jpg") == P{2000, 1400});
  CHECK(size_of("a/full/!2000,2000/0/default.jpg") == P{1000, 700});  // no upscaling without ^
  // Viewer edge tile: region 768,512,232,188 at scale 2 asked as "116,".
  CHECK(size_of("a/768,512,232,188/116,/0/default.jpg") == P{116, 94});
  // Right-edge tile of a 777-wide image at scale 2: 265 x 512 region, "133,". The aspect ratio
  // says 256.96, the viewer lays out ceil(512 / 2) = 256 rows.
  CHECK(resolved("a/512,0,265,512/133,/0/default.jpg", 777, 555).height == 256);
  CHECK(resolved("a/512,0,265,512/,256/0/default.jpg", 777, 555).width ==
        133);  // same tile as ",h"
  CHECK(resolved("a/0,512,512,43/256,/0/default.jpg", 777, 555).height ==
        22);  // bottom edge: 21.5 -> 22
  // A tile-like ",h" whose proportion is far from the tile layout keeps the proportion.
  CHECK(resolved("a/0,512,512,43/,22/0/default.jpg", 777, 555).width == 262);
  // Not a tile request: plain rounding of the proportion.
  CHECK(resolved("a/0,0,300,200/100,/0/default.jpg", 777, 555).height == 67);
  // max is bounded by the server's limits, keeping the aspect ratio.
  CHECK(size_of("a/full/max/0/default.jpg", Limits{400, 400, 0}) == P{400, 280});
  CHECK(size_of("a/full/^max/0/default.jpg", Limits{2000, 2000, 0}) == P{2000, 1400});
}

TEST_CASE("iiif resolve: upscaling without ^ and sizes over the limits are 400") {
  CHECK(resolve_error("a/full/1001,/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/full/,701/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/full/1000,701/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/full/pct:101/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/full/pct:0.01/0/default.jpg", 1000, 700) == Errc::bad_request);
  CHECK(resolve_error("a/full/800,/0/default.jpg", 1000, 700, Limits{500, 500, 0}) ==
        Errc::bad_request);
  CHECK(resolve_error("a/full/100000,/0/default.jpg", 100000, 100000) ==
        Errc::bad_request);  // hard memory cap
}
