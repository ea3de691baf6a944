// Codec pass-through end to end: the same interior tile of jpeg.tif (JPEG YCbCr tiles) asked
// through IIIF and IIP is the stored tile, byte for byte the same, and /metrics counts it.

#include <catch2/catch.hpp>

#include "imaging/engine.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/reference_decoders.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

const char* const interior_tile = "/iiif/3/jpeg.tif/256,256,256,256/256,256/0/default.jpg";

// tessera_passthrough_total as /metrics reports it.
long passthrough_total(std::uint16_t port) {
  const auto m = http_get(port, "/metrics");
  REQUIRE(m.status == 200);
  const std::string name = "\ntessera_passthrough_total ";
  const auto at = m.body.find(name);
  REQUIRE(at != std::string::npos);
  return std::stol(m.body.substr(at + name.size()));
}

// JTL's resolution number of the full-size level.
std::string full_resolution(std::uint16_t port) {
  const auto r = iip_get(port, "FIF=jpeg.tif&OBJ=Resolution-number");
  REQUIRE(r.status == 200);
  return std::to_string(std::stoi(r.body.substr(r.body.find(':') + 1)) - 1);
}

}  // namespace

TEST_CASE("passthrough: IIIF and IIP serve an interior tile as stored", "[passthrough]") {
  auto server = start_server();
  const std::uint16_t port = server->port();
  CHECK(passthrough_total(port) == 0);

  const auto iiif = http_get(port, interior_tile);
  REQUIRE(iiif.status == 200);
  CHECK(iiif.header("content-type") == "image/jpeg");
  // Tile 5 of the full level: the second column of the second row (4 columns of 256).
  const auto iip = iip_get(port, "FIF=jpeg.tif&JTL=" + full_resolution(port) + ",5");
  REQUIRE(iip.status == 200);
  CHECK(iip.body == iiif.body);

  auto source = open_image(images().root / "jpeg.tif");
  REQUIRE(source.ok());
  auto stored = (*source)->read_stored_tile(0, 1, 1);
  REQUIRE(stored.ok());
  CHECK(iiif.body.find(std::string_view(stored->data).substr(2)) != std::string::npos);
  auto pixels = (*source)->read_tile(0, 1, 1);
  REQUIRE(pixels.ok());
  require_equal(turbojpeg_decode(iiif.body).pixels, *pixels);
  CHECK(passthrough_total(port) >= 1);

  // An edge tile (232 pixels wide) is decoded and cropped: the count stays.
  const long before = passthrough_total(port);
  const auto edge = iip_get(port, "FIF=jpeg.tif&JTL=" + full_resolution(port) + ",3");
  REQUIRE(edge.status == 200);
  CHECK(turbojpeg_decode(edge.body).pixels.width == 1000 - 768);
  CHECK(passthrough_total(port) == before);
}

TEST_CASE("passthrough: the setting turns it off", "[passthrough]") {
  auto on = start_server();
  auto off = start_server({}, {{"TESSERA_PASSTHROUGH", "false"}});
  const auto stored = http_get(on->port(), interior_tile);
  const auto encoded = http_get(off->port(), interior_tile);
  REQUIRE(stored.status == 200);
  REQUIRE(encoded.status == 200);
  CHECK(stored.body != encoded.body);
  CHECK(passthrough_total(off->port()) == 0);
  // Both show the tile: the re-encoded one within JPEG's loss of the stored one.
  CHECK(psnr(turbojpeg_decode(stored.body).pixels, turbojpeg_decode(encoded.body).pixels) > 35);
}
