// Zoomify and DeepZoom end to end: the documents iipsrv sends, every viewer tile of every level
// with the size OpenSeadragon expects and the grid's pixels, and the same region through IIIF.
// Expected geometry follows OpenSeadragon's tile sources (ZoomifyTileSource, DziTileSource).

#include <catch2/catch.hpp>

#include "imaging/pyramid_writer.hpp"
#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct ViewerTile {
  std::string url;
  std::int64_t rx = 0, ry = 0, rw = 0, rh = 0;  // full-resolution region it is drawn over
  std::int64_t ow = 0, oh = 0;                  // the image's size
};

// OpenSeadragon's ZoomifyTileSource: levels halve rounding down until one fits 256; tiles are
// numbered from the smallest level, 256 per TileGroup. A tile is drawn over [px, px + 256) of
// the level, cut at the level's unrounded size W / s.
std::vector<ViewerTile> zoomify_tiles(const std::string& base, std::int64_t W, std::int64_t H) {
  std::vector<std::pair<std::int64_t, std::int64_t>> sizes{{W, H}};
  while (sizes.back().first > 256 || sizes.back().second > 256)
    sizes.emplace_back(sizes.back().first / 2, sizes.back().second / 2);
  std::reverse(sizes.begin(), sizes.end());
  const auto top = static_cast<std::int64_t>(sizes.size()) - 1;
  std::vector<ViewerTile> out;
  std::int64_t index = 0;
  for (std::int64_t z = 0; z <= top; ++z) {
    const auto [lw, lh] = sizes[static_cast<std::size_t>(z)];
    const std::int64_t s = std::int64_t{1} << (top - z);
    for (std::int64_t y = 0; y < (lh + 255) / 256; ++y)
      for (std::int64_t x = 0; x < (lw + 255) / 256; ++x, ++index) {
        ViewerTile t;
        t.url = base + "TileGroup" + std::to_string(index / 256) + "/" + std::to_string(z) + "-" +
                std::to_string(x) + "-" + std::to_string(y) + ".jpg";
        t.rx = x * 256 * s;
        t.ry = y * 256 * s;
        t.rw = std::min((x + 1) * 256 * s, W) - t.rx;
        t.rh = std::min((y + 1) * 256 * s, H) - t.ry;
        t.ow = std::min<std::int64_t>(256, lw - x * 256);
        t.oh = std::min<std::int64_t>(256, lh - y * 256);
        out.push_back(t);
      }
  }
  return out;
}

// OpenSeadragon's DziTileSource: level L is W / 2^(max - L) (images round up), tile (c, r)
// starts at c*T - (c ? O : 0) and is T + (c ? 2 : 1) * O long, cut at the level's edge.
std::vector<ViewerTile> deepzoom_tiles(const std::string& base, std::int64_t W, std::int64_t H,
                                       std::int64_t T, std::int64_t O, const std::string& ext,
                                       std::int64_t only_level = -1) {
  int max_level = 0;
  while ((std::int64_t{1} << max_level) < std::max(W, H)) ++max_level;
  std::vector<ViewerTile> out;
  for (int L = 0; L <= max_level; ++L) {
    if (only_level >= 0 && L != only_level) continue;
    const std::int64_t s = std::int64_t{1} << (max_level - L);
    const std::int64_t lw = (W + s - 1) / s, lh = (H + s - 1) / s;
    for (std::int64_t r = 0; r * T < lh; ++r)
      for (std::int64_t c = 0; c * T < lw; ++c) {
        const std::int64_t px = c ? c * T - O : 0, py = r ? r * T - O : 0;
        const std::int64_t ex = px + T + (c ? 2 : 1) * O, ey = py + T + (r ? 2 : 1) * O;
        ViewerTile t;
        t.url = base + std::to_string(L) + "/" + std::to_string(c) + "_" + std::to_string(r) + "." +
                ext;
        t.rx = px * s;
        t.ry = py * s;
        t.rw = std::min(ex * s, W) - t.rx;
        t.rh = std::min(ey * s, H) - t.ry;
        t.ow = std::min(ex, lw) - px;
        t.oh = std::min(ey, lh) - py;
        out.push_back(t);
      }
  }
  return out;
}

// Fetches every tile; checks its type, decoded size and the grid squares it shows.
void check_tiles(std::uint16_t port, const std::vector<ViewerTile>& tiles, int tolerance) {
  int squares = 0;
  for (const ViewerTile& t : tiles) {
    INFO(t.url);
    const auto r = http_get(port, t.url);
    REQUIRE(r.status == 200);
    const std::string ext = t.url.substr(t.url.rfind('.') + 1);
    CHECK(r.header("content-type") == (ext == "png" ? "image/png" : "image/jpeg"));
    const Raster got = decode_image(ext, r.body);
    CHECK(got.width == t.ow);
    CHECK(got.height == t.oh);
    if (got.width != t.ow || got.height != t.oh) continue;
    const GridCheck g = check_grid(got, t.rx, t.ry, t.rw, t.rh, t.ow, t.oh, tolerance);
    INFO(g.first_failure);
    CHECK(g.failed == 0);
    squares += g.checked;
  }
  CHECK(squares > 0);
}

constexpr const char* zoomify_grid_properties =
    "<IMAGE_PROPERTIES WIDTH=\"1200\" HEIGHT=\"800\" NUMTILES=\"29\" NUMIMAGES=\"1\" "
    "VERSION=\"1.8\" TILESIZE=\"256\" />";

std::string dzi(int tile_size, int overlap, int w, int h) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<Image "
         "xmlns=\"http://schemas.microsoft.com/deepzoom/2008\"\r\nTileSize=\"" +
         std::to_string(tile_size) + "\" Overlap=\"" + std::to_string(overlap) +
         "\" Format=\"jpg\"><Size Width=\"" + std::to_string(w) + "\" Height=\"" +
         std::to_string(h) + "\"/></Image>";
}

}  // namespace

TEST_CASE("zoomify: ImageProperties.xml as iipsrv sends it, on every route", "[zoomify]") {
  auto server = start_server();
  // grid.tif 1200x800: 1200x800 (5x4), 600x400 (3x2), 300x200 (2x1), 150x100 (1): 29 tiles.
  for (const std::string target : {"/zoomify/grid.tif/ImageProperties.xml",
                                   "/fcgi-bin/iipsrv.fcgi?Zoomify=grid.tif/ImageProperties.xml",
                                   "/iip?zoomify=grid.tif/ImageProperties.xml"}) {
    INFO(target);
    const auto r = http_get(server->port(), target);
    REQUIRE(r.status == 200);
    CHECK(r.body == zoomify_grid_properties);
    CHECK(r.header("content-type") == "application/xml");
    CHECK_FALSE(r.header("last-modified").empty());
    const std::string etag = r.header("etag");
    REQUIRE_FALSE(etag.empty());
    CHECK(http_get(server->port(), target, {{"If-None-Match", etag}}).status == 304);
  }
  // Sub-directories, escaped or not, and UTF-8 names. sub/nested.tif is 777x555:
  // 777x555 (4x3), 388x277 (2x2), 194x138 (1): 17 tiles.
  for (const std::string target : {"/zoomify/sub/nested.tif/ImageProperties.xml",
                                   "/zoomify/sub%2Fnested.tif/ImageProperties.xml"}) {
    INFO(target);
    const auto r = http_get(server->port(), target);
    REQUIRE(r.status == 200);
    CHECK(r.body ==
          "<IMAGE_PROPERTIES WIDTH=\"777\" HEIGHT=\"555\" NUMTILES=\"17\" NUMIMAGES=\"1\" "
          "VERSION=\"1.8\" TILESIZE=\"256\" />");
  }
  CHECK(http_get(server->port(), "/zoomify/caf%C3%A9.tif/ImageProperties.xml").status == 200);
}

TEST_CASE("zoomify: every tile of every level of a non-square image", "[zoomify]") {
  auto server = start_server();
  const auto tiles = zoomify_tiles("/zoomify/grid.tif/", grid_width, grid_height);
  CHECK(tiles.size() == 29);
  check_tiles(server->port(), tiles, 10);
  // iipsrv's query form reaches the same tiles.
  const auto r =
      http_get(server->port(), "/fcgi-bin/iipsrv.fcgi?Zoomify=grid.tif/TileGroup0/3-4-3.jpg");
  REQUIRE(r.status == 200);
  const Raster corner = decode_image("jpg", r.body);
  CHECK(corner.width == 1200 - 1024);
  CHECK(corner.height == 800 - 768);
  // Tiles have validators too.
  const auto again = http_get(server->port(), "/zoomify/grid.tif/TileGroup0/3-4-3.jpg",
                              {{"If-None-Match", r.header("etag")}});
  CHECK(again.status == 304);
}

TEST_CASE("deepzoom: the .dzi as iipsrv sends it, on every route", "[deepzoom]") {
  auto server = start_server();
  for (const std::string target :
       {"/deepzoom/grid.tif.dzi", "/fcgi-bin/iipsrv.fcgi?DeepZoom=grid.tif.dzi",
        "/iip?DeepZoom=grid.tif.dzi"}) {
    INFO(target);
    const auto r = http_get(server->port(), target);
    REQUIRE(r.status == 200);
    CHECK(r.body == dzi(256, 0, 1200, 800));
    CHECK(r.header("content-type") == "application/xml");
    const std::string etag = r.header("etag");
    REQUIRE_FALSE(etag.empty());
    CHECK(http_get(server->port(), target, {{"If-None-Match", etag}}).status == 304);
  }
  CHECK(http_get(server->port(), "/deepzoom/sub/nested.tif.dzi").body == dzi(256, 0, 777, 555));
  CHECK(http_get(server->port(), "/deepzoom/sub%2Fnested.tif.dzi").body == dzi(256, 0, 777, 555));
  CHECK(http_get(server->port(), "/deepzoom/sub/nested.tif_files/10/3_2.jpg").status == 200);
}

TEST_CASE("deepzoom: every tile of every level, below the smallest stored one too", "[deepzoom]") {
  auto server = start_server();
  // grid.tif stores 1200x800 down to 150x100 (level 8 of 0..11); levels 7..0 are computed.
  const auto tiles =
      deepzoom_tiles("/deepzoom/grid.tif_files/", grid_width, grid_height, 256, 0, "jpg");
  CHECK(tiles.size() == 20 + 6 + 2 + 9);
  check_tiles(server->port(), tiles, 10);
  check_tiles(
      server->port(),
      deepzoom_tiles("/deepzoom/grid.tif_files/", grid_width, grid_height, 256, 0, "png", 10), 2);
  check_tiles(server->port(),
              deepzoom_tiles("/fcgi-bin/iipsrv.fcgi?DeepZoom=grid.tif_files/", grid_width,
                             grid_height, 256, 0, "png", 9),
              2);

  // Level 0 is one pixel: the mean of the grid, (130, 130, 130) (red and green rise linearly
  // over 12 columns and 8 rows, blue alternates 40/220 over equal areas).
  const Raster one = get_image(server->port(), "/deepzoom/grid.tif_files/0/0_0.png");
  REQUIRE(one.width == 1);
  REQUIRE(one.height == 1);
  CHECK(near(pixel_at(one, 0, 0), Rgb{130, 130, 130}, 6));
  // Level 5 is 19x13 (1200 / 64 = 18.75 up), not the smallest stored level's 150x100.
  const Raster five = get_image(server->port(), "/deepzoom/grid.tif_files/5/0_0.jpg");
  CHECK(five.width == 19);
  CHECK(five.height == 13);
}

TEST_CASE("deepzoom: stored tile size and overlap", "[deepzoom]") {
  TempDir dir;
  const auto root = dir.path() / "root";
  std::filesystem::create_directories(root);
  REQUIRE_FALSE(write_pyramid_tiff(root / "grid512.tif", images().grid, {512, 512}));
  REQUIRE_FALSE(write_pyramid_tiff(root / "grid32.tif", images().grid, {32, 32}));
  ServerProcess server(
      {"--root", root.string(), "--deepzoom-overlap", "1", "--jpeg-quality", "100"});

  CHECK(http_get(server.port(), "/deepzoom/grid512.tif.dzi").body == dzi(512, 1, 1200, 800));
  // 32-pixel tiles would make a viewer fetch thousands: 256 instead.
  CHECK(http_get(server.port(), "/deepzoom/grid32.tif.dzi").body == dzi(256, 1, 1200, 800));

  const auto tiles =
      deepzoom_tiles("/deepzoom/grid512.tif_files/", grid_width, grid_height, 512, 1, "jpg");
  CHECK(tiles.size() == 6 + 2 + 10);  // level 11: 3x2, level 10: 2x1, levels 9..0: 1
  check_tiles(server.port(), tiles, 10);
  check_tiles(
      server.port(),
      deepzoom_tiles("/deepzoom/grid32.tif_files/", grid_width, grid_height, 256, 1, "png", 11), 2);
  // An interior tile of overlap 1 is T + 2 pixels on each side.
  const Raster mid = get_image(server.port(), "/deepzoom/grid32.tif_files/11/1_1.png");
  CHECK(mid.width == 258);
  CHECK(mid.height == 258);
}

TEST_CASE("zoomify and deepzoom: errors are plain, with the right status", "[zoomify][deepzoom]") {
  auto server = start_server();
  const std::string root = images().root.string();
  struct Case {
    std::string target;
    unsigned status;
  };
  for (const Case& c : std::vector<Case>{
           {"/zoomify/missing.tif/ImageProperties.xml", 404},
           {"/zoomify/missing.tif/TileGroup0/0-0-0.jpg", 404},
           {"/zoomify/grid.tif/TileGroup1/0-0-0.jpg", 404},  // wrong group
           {"/zoomify/grid.tif/TileGroup0/4-0-0.jpg", 404},  // no level 4
           {"/zoomify/grid.tif/TileGroup0/3-5-0.jpg", 404},  // 5 columns
           {"/zoomify/grid.tif/TileGroup0/3-0-4.jpg", 404},  // 4 rows
           {"/zoomify/grid.tif/TileGroup0/0-0-0.png", 400},  // Zoomify tiles are JPEG
           {"/zoomify/grid.tif/TileGroupA/0-0-0.jpg", 400},
           {"/zoomify/grid.tif/TileGroup0/0-0.jpg", 400},
           {"/zoomify/grid.tif/Other.xml", 400},
           {"/zoomify/grid.tif", 400},
           {"/zoomify/%zz/ImageProperties.xml", 400},
           {"/zoomify/..%2Fsecret.tif/ImageProperties.xml", 404},
           {"/zoomify/escape.tif/ImageProperties.xml", 404},
           {"/fcgi-bin/iipsrv.fcgi?Zoomify=grid.tif/TileGroup9/0-0-0.jpg", 404},
           {"/deepzoom/missing.tif.dzi", 404},
           {"/deepzoom/missing.tif_files/0/0_0.jpg", 404},
           {"/deepzoom/grid.tif_files/12/0_0.jpg", 404},  // levels 0..11
           {"/deepzoom/grid.tif_files/11/5_0.jpg", 404},  // 5 columns
           {"/deepzoom/grid.tif_files/11/0_4.jpg", 404},  // 4 rows
           {"/deepzoom/grid.tif_files/0/1_0.png", 404},
           {"/deepzoom/grid.tif_files/11/0_0.gif", 400},
           {"/deepzoom/grid.tif_files/11/0-0.jpg", 400},
           {"/deepzoom/grid.tif_files/x/0_0.jpg", 400},
           {"/deepzoom/grid.tif", 400},
           {"/deepzoom/..%2Fsecret.tif.dzi", 404},
           {"/deepzoom/escape.tif_files/0/0_0.jpg", 404},
           {"/iip?DeepZoom=grid.tif_files/99/0_0.jpg", 404},
       }) {
    INFO(c.target);
    const auto r = http_get(server->port(), c.target);
    CHECK(r.status == c.status);
    CHECK(r.header("content-type").starts_with("text/plain"));
    CHECK(r.body.find(root) == std::string::npos);
    CHECK(r.body.find("secret") == std::string::npos);
  }
  CHECK(http_get(server->port(), "/zoomify/grid.tif/ImageProperties.xml").status == 200);
}

// The same region through every protocol that can name it gives the same pixels. Each row is
// a region of grid.tif at a scale that is a power of two, so the viewer protocols' tiles match
// a IIIF request exactly: IIP's PNG tiles (PTL) and exports (CVT with RGN as fractions) too.
TEST_CASE("cross-protocol: IIIF, IIP, DeepZoom and Zoomify tiles of one region agree",
          "[zoomify][deepzoom][iip]") {
  // Also with a server-wide setting that changes pixels: every protocol must honour it.
  const auto args =
      GENERATE(std::vector<std::string>{}, std::vector<std::string>{"--interpolation", "nearest"});
  auto server = start_server(args);
  struct Other {
    std::string target;
    bool exact;  // PNG: identical; JPEG (q100): close on average (edges blur a little)
  };
  struct Row {
    std::string iiif;  // PNG, the reference
    std::vector<Other> others;
  };
  const std::vector<Row> rows{
      // DeepZoom level 10 (600x400, 2x) tile (1,0) = Zoomify z2 (600x400) tile (1,0).
      {"/iiif/3/grid.tif/512,0,512,512/256,256/0/default.png",
       {{"/deepzoom/grid.tif_files/10/1_0.png", true},
        {"/zoomify/grid.tif/TileGroup0/2-1-0.jpg", false},
        {"/iip?FIF=grid.tif&PTL=2,1", true},  // resolution 2 is 600x400
        {"/fcgi-bin/iipsrv.fcgi?FIF=grid.tif&RGN=0.426666666667,0,0.426666666667,0.64&WID=256&"
         "CVT=png",
         true}}},
      // The bottom-right corner at full size: a partial tile.
      {"/iiif/3/grid.tif/1024,768,176,32/176,32/0/default.png",
       {{"/deepzoom/grid.tif_files/11/4_3.png", true},
        {"/fcgi-bin/iipsrv.fcgi?DeepZoom=grid.tif_files/11/4_3.png", true},
        {"/zoomify/grid.tif/TileGroup0/3-4-3.jpg", false},
        {"/iip?FIF=grid.tif&PTL=3,19", true},  // 5 tiles across: row 3, column 4
        {"/iip?FIF=grid.tif&RGN=0.853333333333,0.96,0.146666666667,0.04&WID=176&CVT=png", true}}},
      // Level 9 (300x200, 4x) right column = Zoomify z1 (300x200) tile (1,0).
      {"/iiif/3/grid.tif/1024,0,176,800/44,200/0/default.png",
       {{"/deepzoom/grid.tif_files/9/1_0.png", true},
        {"/fcgi-bin/iipsrv.fcgi?Zoomify=grid.tif/TileGroup0/1-1-0.jpg", false},
        {"/iip?FIF=grid.tif&PTL=1,1", true},
        {"/iip?FIF=grid.tif&RGN=0.853333333333,0,0.146666666667,1&HEI=200&CVT=png", true}}},
      // The smallest stored level whole (8x): DeepZoom level 8 = Zoomify z0.
      {"/iiif/3/grid.tif/full/150,100/0/default.png",
       {{"/deepzoom/grid.tif_files/8/0_0.png", true},
        {"/zoomify/grid.tif/TileGroup0/0-0-0.jpg", false},
        {"/iip?FIF=grid.tif&PTL=0,0", true},
        {"/iip?FIF=grid.tif&WID=150&CVT=png", true}}},
      // Below the smallest stored level (16x): resampled, so server-wide settings show.
      {"/iiif/3/grid.tif/full/75,50/0/default.png",
       {{"/deepzoom/grid.tif_files/7/0_0.png", true}, {"/iip?FIF=grid.tif&WID=75&CVT=png", true}}},
  };
  for (const Row& row : rows) {
    INFO(row.iiif);
    const Raster want = get_image(server->port(), row.iiif);
    for (const Other& o : row.others) {
      INFO(o.target);
      const auto r = http_get(server->port(), o.target);
      REQUIRE(r.status == 200);
      const std::string format = o.target.ends_with("jpg") ? "jpg" : "png";
      const Raster got = decode_image(format, r.body);
      REQUIRE(got.width == want.width);
      REQUIRE(got.height == want.height);
      REQUIRE(got.bands == want.bands);
      const Difference d = compare(got, want);
      if (o.exact) {
        CHECK(d.max == 0);
      } else {
        CHECK(d.mean < 2.0);
      }
    }
  }
}
