// DeepZoom URL parsing and level geometry. Expected values are worked out by hand in comments.

#include <catch2/catch.hpp>

#include "protocols/deepzoom/request.hpp"

using namespace tessera;
using namespace tessera::deepzoom;

TEST_CASE("deepzoom: parses descriptors and tile paths", "[deepzoom]") {
  auto p = parse("rgb.tif.dzi");
  REQUIRE(p);
  CHECK(p->kind == ParsedRequest::Kind::descriptor);
  CHECK(p->identifier == "rgb.tif");

  p = parse("sub/nested.tif.dzi");
  REQUIRE(p);
  CHECK(p->identifier == "sub/nested.tif");

  p = parse("rgb.tif_files/11/5_3.jpg");
  REQUIRE(p);
  CHECK(p->kind == ParsedRequest::Kind::tile);
  CHECK(p->identifier == "rgb.tif");
  CHECK(p->level == 11);
  CHECK(p->column == 5);
  CHECK(p->row == 3);
  CHECK(p->format == "jpg");

  // The identifier ends at the last "_files/", so it may contain one.
  p = parse("a_files/caf%C3%A9.tif_files/0/0_0.png");
  REQUIRE(p);
  CHECK(p->identifier == "a_files/caf\xC3\xA9.tif");
  CHECK(p->level == 0);
  CHECK(p->format == "png");

  p = parse("sub%2Fnested.tif_files/3/1_2.jpg");
  REQUIRE(p);
  CHECK(p->identifier == "sub/nested.tif");
  CHECK(p->column == 1);
  CHECK(p->row == 2);
}

TEST_CASE("deepzoom: malformed paths are 400s", "[deepzoom]") {
  for (const char* path : {
           "",
           ".dzi",
           "rgb.tif",
           "rgb.tif.DZI",
           "rgb.tif.xml",
           "%zz.dzi",
           "_files/0/0_0.jpg",
           "rgb.tif_files/",
           "rgb.tif_files/11",
           "rgb.tif_files/11/",
           "rgb.tif_files/11/5_3",
           "rgb.tif_files/11/5-3.jpg",
           "rgb.tif_files/11/5_3.gif",
           "rgb.tif_files/11/5_3.JPG",
           "rgb.tif_files/x/5_3.jpg",
           "rgb.tif_files/-1/5_3.jpg",
           "rgb.tif_files/11/5/3.jpg",
           "rgb.tif_files/11/5_3_1.jpg",
           "rgb.tif_files/11/_3.jpg",
           "rgb.tif_files/11/5_.jpg",
           "rgb.tif_files/1 1/5_3.jpg",
           "rgb.tif_files/11/5_9999999999.jpg",
           "%zz_files/0/0_0.jpg",
       }) {
    INFO(path);
    const auto p = parse(path);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == Errc::bad_request);
  }
}

TEST_CASE("deepzoom: level sizes round up down to 1x1", "[deepzoom]") {
  // max(1500, 1000) = 1500 <= 2048 = 2^11, > 1024: 12 levels. Level L is ceil(W / 2^(11-L)).
  const Pyramid p(1500, 1000, 256, 0);
  REQUIRE(p.max_level() == 11);
  const std::int64_t w[] = {1, 2, 3, 6, 12, 24, 47, 94, 188, 375, 750, 1500};
  const std::int64_t h[] = {1, 1, 2, 4, 8, 16, 32, 63, 125, 250, 500, 1000};
  for (int level = 0; level <= 11; ++level) {
    INFO("level " << level);
    CHECK(p.level_width(level) == w[level]);
    CHECK(p.level_height(level) == h[level]);
  }
  CHECK(p.columns(11) == 6);
  CHECK(p.rows(11) == 4);
  CHECK(p.columns(10) == 3);
  CHECK(p.rows(10) == 2);
  CHECK(p.columns(0) == 1);
  CHECK(p.contains(11, 5, 3));
  CHECK_FALSE(p.contains(11, 6, 0));
  CHECK_FALSE(p.contains(11, 0, 4));
  CHECK_FALSE(p.contains(12, 0, 0));
  CHECK_FALSE(p.contains(-1, 0, 0));
  CHECK(p.contains(0, 0, 0));
  CHECK_FALSE(p.contains(0, 1, 0));

  CHECK(Pyramid(1, 1, 256, 0).max_level() == 0);
  CHECK(Pyramid(2, 1, 256, 0).max_level() == 1);
  CHECK(Pyramid(1024, 3, 256, 0).max_level() == 10);
  CHECK(Pyramid(1025, 3, 256, 0).max_level() == 11);
}

TEST_CASE("deepzoom: tile rectangles without overlap", "[deepzoom]") {
  const Pyramid p(1500, 1000, 256, 0);
  TileView t = p.tile(11, 5, 3);  // x [1280, 1500), y [768, 1000)
  CHECK(t.region == Rect{1280, 768, 220, 232});
  CHECK(t.width == 220);
  CHECK(t.height == 232);
  t = p.tile(10, 2, 1);  // level 750x500: x [512, 750) -> full [1024, 1500)
  CHECK(t.region == Rect{1024, 512, 476, 488});
  CHECK(t.width == 238);
  CHECK(t.height == 244);
  t = p.tile(8, 0, 0);  // 188x125, the whole image
  CHECK(t.region == Rect{0, 0, 1500, 1000});
  CHECK(t.width == 188);
  CHECK(t.height == 125);
  t = p.tile(1, 0, 0);  // 2x1: level pixel 1 starts at full 1024
  CHECK(t.region == Rect{0, 0, 1500, 1000});
  CHECK(t.width == 2);
  CHECK(t.height == 1);
  t = p.tile(0, 0, 0);
  CHECK(t.region == Rect{0, 0, 1500, 1000});
  CHECK(t.width == 1);
  CHECK(t.height == 1);

  // An odd width: 1001 -> level 9 (s=2) is 501 wide; its last level pixel covers only one
  // full-resolution column, so the region ends at 1001, not 1002.
  const Pyramid odd(1001, 700, 256, 0);
  REQUIRE(odd.max_level() == 10);
  t = odd.tile(9, 1, 1);  // x [256, 501) -> [512, 1001); y: 350 high, [256, 350) -> [512, 700)
  CHECK(t.region == Rect{512, 512, 489, 188});
  CHECK(t.width == 245);
  CHECK(t.height == 94);
}

TEST_CASE("deepzoom: tile rectangles with overlap 1", "[deepzoom]") {
  // OpenSeadragon: x = col*T - (col ? O : 0), width = T + (col ? 2 : 1) * O, cut at the edge.
  const Pyramid p(1500, 1000, 256, 1);
  TileView t = p.tile(11, 0, 0);
  CHECK(t.region == Rect{0, 0, 257, 257});
  CHECK(t.width == 257);
  t = p.tile(11, 1, 2);
  CHECK(t.region == Rect{255, 511, 258, 258});
  CHECK(t.width == 258);
  CHECK(t.height == 258);
  t = p.tile(11, 5, 3);  // x [1279, 1500), y [767, 1000)
  CHECK(t.region == Rect{1279, 767, 221, 233});
  CHECK(t.width == 221);
  CHECK(t.height == 233);
  t = p.tile(10, 1, 1);  // level 750x500: x [255, 513), y [255, 500) -> full x2
  CHECK(t.region == Rect{510, 510, 516, 490});
  CHECK(t.width == 258);
  CHECK(t.height == 245);
  t = p.tile(9, 1, 0);  // 375x250: x [255, 375), y [0, 250) -> full x4, clamped
  CHECK(t.region == Rect{1020, 0, 480, 1000});
  CHECK(t.width == 120);
  CHECK(t.height == 250);
}

TEST_CASE("deepzoom: descriptor text and viewer tile size", "[deepzoom]") {
  CHECK(Pyramid(1500, 1000, 256, 0).descriptor() ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
        "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"\r\n"
        "TileSize=\"256\" Overlap=\"0\" Format=\"jpg\"><Size Width=\"1500\" "
        "Height=\"1000\"/></Image>");
  CHECK(Pyramid(7, 9, 512, 2).descriptor() ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
        "<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"\r\n"
        "TileSize=\"512\" Overlap=\"2\" Format=\"jpg\"><Size Width=\"7\" Height=\"9\"/></Image>");

  const auto size = [](std::uint32_t w, std::uint32_t h) {
    LevelInfo l;
    l.width = 5000;
    l.height = 4000;
    l.tile_width = w;
    l.tile_height = h;
    return viewer_tile_size(l);
  };
  CHECK(size(256, 256) == 256);
  CHECK(size(512, 512) == 512);
  CHECK(size(64, 64) == 64);
  CHECK(size(1024, 1024) == 1024);
  CHECK(size(32, 32) == 256);
  CHECK(size(2048, 2048) == 256);
  CHECK(size(5000, 8) == 256);  // strips
  CHECK(size(256, 128) == 256);
  CHECK(size(128, 256) == 256);
}
