// Zoomify URL parsing and level geometry. Expected values are worked out by hand in comments.

#include <catch2/catch.hpp>

#include "protocols/zoomify/request.hpp"

using namespace tessera;
using namespace tessera::zoomify;

TEST_CASE("zoomify: parses ImageProperties.xml and tile paths", "[zoomify]") {
  auto p = parse("rgb.tif/ImageProperties.xml");
  REQUIRE(p);
  CHECK(p->kind == ParsedRequest::Kind::properties);
  CHECK(p->identifier == "rgb.tif");

  p = parse("sub/dir/a.tif/ImageProperties.xml");  // sub-directories, unescaped
  REQUIRE(p);
  CHECK(p->identifier == "sub/dir/a.tif");

  p = parse("caf%C3%A9.tif/TileGroup12/5-17-3.jpg");
  REQUIRE(p);
  CHECK(p->kind == ParsedRequest::Kind::tile);
  CHECK(p->identifier == "caf\xC3\xA9.tif");
  CHECK(p->group == 12);
  CHECK(p->z == 5);
  CHECK(p->x == 17);
  CHECK(p->y == 3);

  p = parse("sub%2Fa.tif/TileGroup0/0-0-0.jpg");
  REQUIRE(p);
  CHECK(p->identifier == "sub/a.tif");
  p = parse("a/b/c.tif/TileGroup1/2-3-4.jpg");
  REQUIRE(p);
  CHECK(p->identifier == "a/b/c.tif");
  CHECK(p->z == 2);
}

TEST_CASE("zoomify: malformed paths are 400s", "[zoomify]") {
  for (const char* path : {
           "",
           "ImageProperties.xml",
           "/ImageProperties.xml",
           "rgb.tif",
           "rgb.tif/",
           "rgb.tif/imageproperties.xml",
           "rgb.tif/Other.xml",
           "%zz.tif/ImageProperties.xml",
           "rgb.tif/TileGroup/0-0-0.jpg",
           "rgb.tif/TileGroupx/0-0-0.jpg",
           "rgb.tif/Tilegroup0/0-0-0.jpg",
           "rgb.tif/TileGroup-1/0-0-0.jpg",
           "rgb.tif/TileGroup0/0-0.jpg",
           "rgb.tif/TileGroup0/0-0-0",
           "rgb.tif/TileGroup0/0-0-0.png",
           "rgb.tif/TileGroup0/0-0-0.JPG",
           "rgb.tif/TileGroup0/0-0-0-0.jpg",
           "rgb.tif/TileGroup0/-1-0-0.jpg",
           "rgb.tif/TileGroup0/0-+1-0.jpg",
           "rgb.tif/TileGroup0/0- 1-0.jpg",
           "rgb.tif/TileGroup0/0-0-9999999999.jpg",
           "rgb.tif/TileGroup0/a-b-c.jpg",
           "TileGroup0/0-0-0.jpg",
           "/TileGroup0/0-0-0.jpg",
           "rgb.tif/TileGroup0/0-0-0.jpg/",
       }) {
    INFO(path);
    const auto p = parse(path);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == Errc::bad_request);
  }
}

TEST_CASE("zoomify: levels, tile counts and groups of 1500x1000", "[zoomify]") {
  // Halving with floor: 1500x1000, 750x500, 375x250, 187x125 (fits 256).
  // Tiles: 6x4=24, 3x2=6, 2x1=2, 1x1=1 -> 33 in all, every one in TileGroup0.
  const Grid g(1500, 1000);
  REQUIRE(g.levels() == 4);
  const std::int64_t w[] = {187, 375, 750, 1500}, h[] = {125, 250, 500, 1000};
  const std::int64_t cols[] = {1, 2, 3, 6}, rows[] = {1, 1, 2, 4}, first[] = {0, 1, 3, 9};
  for (int z = 0; z < 4; ++z) {
    INFO("z=" << z);
    CHECK(g.level(z).width == w[z]);
    CHECK(g.level(z).height == h[z]);
    CHECK(g.level(z).columns == cols[z]);
    CHECK(g.level(z).rows == rows[z]);
    CHECK(g.level(z).first_index == first[z]);
  }
  CHECK(g.num_tiles() == 33);
  CHECK(g.group(3, 5, 3) == 0);
  CHECK(g.properties() ==
        "<IMAGE_PROPERTIES WIDTH=\"1500\" HEIGHT=\"1000\" NUMTILES=\"33\" NUMIMAGES=\"1\" "
        "VERSION=\"1.8\" TILESIZE=\"256\" />");

  CHECK(g.contains(0, 0, 0));
  CHECK_FALSE(g.contains(0, 1, 0));
  CHECK(g.contains(3, 5, 3));
  CHECK_FALSE(g.contains(3, 6, 0));
  CHECK_FALSE(g.contains(3, 0, 4));
  CHECK_FALSE(g.contains(4, 0, 0));
  CHECK_FALSE(g.contains(-1, 0, 0));
}

TEST_CASE("zoomify: tile groups cross level boundaries", "[zoomify]") {
  // 6000x4000: 6000x4000 (24x16=384), 3000x2000 (12x8=96), 1500x1000 (24), 750x500 (6),
  // 375x250 (2), 187x125 (1). From z=0 the levels start at index 0, 1, 3, 9, 33, 129; 513 tiles.
  const Grid g(6000, 4000);
  REQUIRE(g.levels() == 6);
  CHECK(g.level(5).first_index == 129);
  CHECK(g.level(4).columns == 12);
  CHECK(g.level(4).rows == 8);
  CHECK(g.num_tiles() == 513);
  // Index 255 = 129 + 126 = row 5 (5*24=120), column 6; index 256 is the next tile.
  CHECK(g.group(5, 6, 5) == 0);
  CHECK(g.group(5, 7, 5) == 1);
  CHECK(g.group(4, 11, 7) == 0);  // 33 + 95 = 128
  // Index 511 = 129 + 382 = row 15 column 22; 512 is the last tile.
  CHECK(g.group(5, 22, 15) == 1);
  CHECK(g.group(5, 23, 15) == 2);
}

TEST_CASE("zoomify: small and one-tile images", "[zoomify]") {
  const Grid one(256, 100);
  CHECK(one.levels() == 1);
  CHECK(one.num_tiles() == 1);
  const TileView t = one.tile(0, 0, 0);
  CHECK(t.region == Rect{0, 0, 256, 100});
  CHECK(t.width == 256);
  CHECK(t.height == 100);

  // 257x1 halves to 128x0: a level with no rows holds no tiles.
  const Grid thin(257, 1);
  REQUIRE(thin.levels() == 2);
  CHECK(thin.level(0).height == 0);
  CHECK(thin.level(0).rows == 0);
  CHECK_FALSE(thin.contains(0, 0, 0));
  CHECK(thin.num_tiles() == 2);
}

TEST_CASE("zoomify: tile regions of an odd-sized image meet exactly", "[zoomify]") {
  // 1001x513 -> 500x256 -> 250x128. Level sizes round down, so the last column and row of
  // each level also cover the pixels the rounding dropped.
  const Grid g(1001, 513);
  REQUIRE(g.levels() == 3);
  CHECK(g.level(1).width == 500);
  CHECK(g.level(1).height == 256);
  CHECK(g.num_tiles() == 1 + 2 + 12);

  TileView t = g.tile(2, 3, 2);  // full size: x [768, 1001), y [512, 513)
  CHECK(t.region == Rect{768, 512, 233, 1});
  CHECK(t.width == 233);
  CHECK(t.height == 1);
  t = g.tile(1, 0, 0);  // s=2: x [0, 512), y [0, 513) (one row: the whole height)
  CHECK(t.region == Rect{0, 0, 512, 513});
  CHECK(t.width == 256);
  CHECK(t.height == 256);
  t = g.tile(1, 1, 0);  // x [512, 1001): 500 - 256 = 244 pixels wide
  CHECK(t.region == Rect{512, 0, 489, 513});
  CHECK(t.width == 244);
  t = g.tile(0, 0, 0);
  CHECK(t.region == Rect{0, 0, 1001, 513});
  CHECK(t.width == 250);
  CHECK(t.height == 128);

  // Every level's tiles partition the image: consecutive, no gaps, ending at the edges.
  for (std::int64_t z = 0; z < g.levels(); ++z) {
    const Level& l = g.level(z);
    std::int64_t area = 0, out_w = 0;
    for (std::int64_t y = 0; y < l.rows; ++y)
      for (std::int64_t x = 0; x < l.columns; ++x) {
        const TileView a = g.tile(z, x, y);
        area += a.region.w * a.region.h;
        if (y == 0) out_w += a.width;
        if (x + 1 < l.columns) CHECK(g.tile(z, x + 1, y).region.x == a.region.right());
        if (y + 1 < l.rows) CHECK(g.tile(z, x, y + 1).region.y == a.region.bottom());
      }
    CHECK(area == 1001 * 513);
    CHECK(out_w == l.width);
  }
}
