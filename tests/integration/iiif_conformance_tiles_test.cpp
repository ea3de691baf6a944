// OpenSeadragon's tile requests over every level of the grid, from what info.json states (Image
// API 3.0 and 2.1 implementation notes on tiles): partial edge tiles included, every tile has
// exactly the size the client computes and shows the squares of that part of the level.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct TileGrid {
  std::int64_t width = 0, height = 0, tile_w = 0, tile_h = 0;
  std::vector<std::int64_t> scale_factors;
};

TileGrid tile_grid(std::uint16_t port, const std::string& info_target) {
  const auto r = http_get(port, info_target);
  REQUIRE(r.status == 200);
  const auto doc = nlohmann::json::parse(r.body);
  TileGrid g;
  g.width = doc["width"];
  g.height = doc["height"];
  const auto& t = doc["tiles"][0];
  g.tile_w = t["width"];
  g.tile_h = t.contains("height") ? t["height"].get<std::int64_t>() : g.tile_w;
  g.scale_factors = t["scaleFactors"].get<std::vector<std::int64_t>>();
  return g;
}

}  // namespace

TEST_CASE("iiif conformance: OpenSeadragon tiles of every level, both versions",
          "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const int version : {3, 2}) {
    const std::string prefix = "/iiif/" + std::to_string(version) + "/grid.tif/";
    const TileGrid g = tile_grid(port, prefix + "info.json");
    REQUIRE(g.width == grid_width);
    REQUIRE(g.height == grid_height);
    REQUIRE(g.scale_factors.size() >= 3);
    int tiles = 0, partial = 0, squares = 0;
    for (const std::int64_t s : g.scale_factors) {
      for (std::int64_t ty = 0; ty * g.tile_h * s < g.height; ++ty)
        for (std::int64_t tx = 0; tx * g.tile_w * s < g.width; ++tx) {
          // region = tile x scale, clipped at the edge; size = ceil(region / scale).
          const std::int64_t x = tx * g.tile_w * s, y = ty * g.tile_h * s;
          const std::int64_t rw = std::min(g.tile_w * s, g.width - x);
          const std::int64_t rh = std::min(g.tile_h * s, g.height - y);
          const std::int64_t w = (rw + s - 1) / s, h = (rh + s - 1) / s;
          // 3.0 asks "w,h"; 2.1 asks the canonical "w,".
          const std::string size =
              version == 3 ? std::to_string(w) + "," + std::to_string(h) : std::to_string(w) + ",";
          const std::string format = (tx + ty) % 2 ? "png" : "jpg";
          const std::string target = prefix + std::to_string(x) + "," + std::to_string(y) + "," +
                                     std::to_string(rw) + "," + std::to_string(rh) + "/" + size +
                                     "/0/default." + format;
          INFO(target);
          const Raster got = get_image(port, target);
          CHECK(got.width == w);
          CHECK(got.height == h);
          ++tiles;
          partial += rw < g.tile_w * s || rh < g.tile_h * s;
          if (got.width != w || got.height != h) continue;
          const GridCheck c = check_grid(got, x, y, rw, rh, w, h, format == "png" ? 2 : 8);
          INFO(c.first_failure);
          CHECK(c.failed == 0);
          squares += c.checked;
        }
    }
    CHECK(partial > 0);
    CHECK(squares >= 4 * 96);  // every square seen at each level (levels 1-3 have no edge rows)
    INFO(tiles << " tiles");
    CHECK(tiles == 20 + 6 + 2 + 1);  // 5x4, 3x2, 2x1 and 1x1 at scales 1, 2, 4 and 8
  }
}
