// Every kind of source served over HTTP: the files are written by the test, the server is the
// real binary, and the pixels that come back are compared with what was written.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

#include "imaging/encoder.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct SourceTree {
  TempDir dir;
  TiffSpec grey16, subifd, stack, lab;
  Raster photo = test_pattern(640, 480, 3);

  SourceTree() {
    grey16.width = 900;  // one strip-organised level: lower levels are computed
    grey16.height = 600;
    grey16.bits = 16;
    grey16.tile_width = 0;
    write_tiff(dir.path() / "grey16.tif", grey16);

    subifd.samples = 3;
    subifd.photometric = PHOTOMETRIC_RGB;
    subifd.width = 800;
    subifd.height = 500;
    subifd.levels = 3;
    subifd.layout = TiffLayout::subifds;
    subifd.compression = COMPRESSION_ZSTD;
    write_tiff(dir.path() / "ome.tif", subifd);

    stack.images = 3;
    write_tiff(dir.path() / "stack.tif", stack);

    lab.samples = 3;
    lab.photometric = PHOTOMETRIC_CIELAB;
    write_tiff(dir.path() / "lab.tif", lab);

    auto jpeg = encode_jpeg(photo, EncodeOptions{100}, EncodeMetadata{});
    REQUIRE(jpeg.ok());
    std::ofstream(dir.path() / "photo.jpg", std::ios::binary) << *jpeg;
  }
};

const SourceTree& tree() {
  static const SourceTree t;
  return t;
}

std::unique_ptr<ServerProcess> serve() {
  return std::make_unique<ServerProcess>(std::vector<std::string>{
      "--root", tree().dir.path().string(), "--jpeg-quality", "100", "--max-cvt", "-1"});
}

nlohmann::json info_of(std::uint16_t port, const std::string& id) {
  const auto r = http_get(port, "/iiif/" + id + "/info.json");
  REQUIRE(r.status == 200);
  return nlohmann::json::parse(r.body);
}

Raster image_of(std::uint16_t port, const std::string& path) {
  const auto r = http_get(port, path);
  INFO(path << " -> " << r.status << " " << r.body.substr(0, 200));
  REQUIRE(r.status == 200);
  REQUIRE(r.header("content-type") == "image/jpeg");
  return decode_jpeg(r.body);
}

}  // namespace

TEST_CASE("sources: 16-bit strip TIFF, SubIFD pyramid, stack, CIELAB and plain JPEG over HTTP") {
  auto server = serve();
  const auto port = server->port();

  SECTION("a 16-bit single-resolution strip TIFF: computed levels, 8-bit output") {
    const auto info = info_of(port, "grey16.tif");
    CHECK(info["width"] == 900);
    CHECK(info["sizes"].size() >= 3);
    const Raster full = image_of(port, "/iiif/grey16.tif/full/max/0/default.jpg");
    CHECK(full.width == 900);
    const double v = written_value(tree().grey16, 0, 0, 123, 45, 0) * 255.0 / 65535.0;
    CHECK(std::abs(full.row(45)[123] - v) <= 2);
    const Raster small = image_of(port, "/iiif/grey16.tif/full/113,/0/default.jpg");
    CHECK(small.width == 113);
  }
  SECTION("an OME-style SubIFD pyramid serves its reduced levels") {
    const auto info = info_of(port, "ome.tif");
    CHECK(info["tiles"][0]["scaleFactors"] == nlohmann::json::parse("[1,2,4,8,16]"));
    const Raster tile = image_of(port, "/iiif/ome.tif/256,256,256,244/64,/0/default.jpg");
    CHECK(tile.width == 64);
    CHECK(tile.height == 61);
    const double want = written_value(tree().subifd, 0, 2, 64 + 10, 64 + 20, 1);
    CHECK(std::abs(tile.row(20)[10 * 3 + 1] - want) <= 8);
  }
  SECTION("a stack serves its first image") {
    const Raster full = image_of(port, "/iiif/stack.tif/full/max/0/default.jpg");
    CHECK(std::abs(full.row(7)[9] - written_value(tree().stack, 0, 0, 9, 7, 0)) <= 8);
  }
  SECTION("CIELAB arrives as sRGB") {
    const Raster full = image_of(port, "/iiif/lab.tif/full/max/0/default.jpg");
    CHECK(full.bands == 3);
    CHECK(full.width == 300);
  }
  SECTION("a plain JPEG is a single image with DCT-scaled levels") {
    const auto info = info_of(port, "photo.jpg");
    CHECK(info["width"] == 640);
    const Raster full = image_of(port, "/iiif/photo.jpg/full/max/0/default.jpg");
    CHECK(compare(full, tree().photo).mean < 3);
    const Raster thumb = image_of(port, "/iiif/photo.jpg/full/80,/0/default.jpg");
    CHECK(thumb.width == 80);
    CHECK(thumb.height == 60);
  }
}
