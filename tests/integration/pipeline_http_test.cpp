// The pipeline's features reached through IIIF URLs: rotation, mirroring, qualities and every
// output format, checked on the bytes a client receives.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "imaging/encoder.hpp"
#include "imaging/pyramid_writer.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/reference_decoders.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

// Width, height and colour type from a PNG's IHDR chunk.
struct PngHeader {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = -1;
};

PngHeader png_header(const std::string& bytes) {
  PngHeader h;
  if (bytes.size() < 33 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 ||
      bytes.compare(12, 4, "IHDR") != 0)
    return h;
  const auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  h.width = u32(16);
  h.height = u32(20);
  h.bit_depth = static_cast<unsigned char>(bytes[24]);
  h.colour_type = static_cast<unsigned char>(bytes[25]);
  return h;
}

}  // namespace

TEST_CASE("pipeline over http: quarter turns and mirroring move the pixels exactly") {
  auto server = start_server();
  const auto plain = http_get(server->port(), "/iiif/rgb.tif/0,0,300,200/max/0/default.png");
  const auto turned = http_get(server->port(), "/iiif/rgb.tif/0,0,300,200/max/90/default.png");
  REQUIRE(plain.status == 200);
  REQUIRE(turned.status == 200);
  CHECK(plain.header("content-type") == "image/png");
  CHECK(png_header(plain.body).width == 300);
  CHECK(png_header(turned.body).width == 200);
  CHECK(png_header(turned.body).height == 300);

  // Lossless JPEG is not available, so compare decoded JPEG quarter turns at quality 100-ish
  // tolerance: the first row of the turned image is the first column of the original, reversed.
  const Raster a =
      decode_jpeg(http_get(server->port(), "/iiif/rgb.tif/0,0,256,256/max/0/default.jpg").body);
  const Raster b =
      decode_jpeg(http_get(server->port(), "/iiif/rgb.tif/0,0,256,256/max/!270/default.jpg").body);
  REQUIRE(a.width == 256);
  REQUIRE(b.width == 256);
  // !270: mirror, then rotate 270 clockwise: output (x, y) = input (y, x) (a transpose).
  double diff = 0;
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x) diff += std::abs(b.row(y)[x * 3] - a.row(x)[y * 3]);
  CHECK(diff / (256 * 256) < 6);
}

TEST_CASE("pipeline over http: qualities and arbitrary rotation") {
  auto server = start_server();
  const auto gray = http_get(server->port(), "/iiif/rgb.tif/full/200,/0/gray.jpg");
  REQUIRE(gray.status == 200);
  CHECK(decode_jpeg(gray.body).bands == 1);

  const auto bitonal = http_get(server->port(), "/iiif/rgb.tif/full/200,/0/bitonal.png");
  REQUIRE(bitonal.status == 200);
  CHECK(png_header(bitonal.body).colour_type == 0);  // grey

  // 45 degrees: the bounding box; PNG gets transparent corners (grey+alpha or RGBA).
  const auto rotated = http_get(server->port(), "/iiif/rgb.tif/0,0,100,100/max/45/default.png");
  REQUIRE(rotated.status == 200);
  const PngHeader h = png_header(rotated.body);
  CHECK(h.width == 141);
  CHECK(h.height == 141);
  CHECK(h.colour_type == 6);
  const auto white = http_get(server->port(), "/iiif/rgb.tif/0,0,100,100/max/45/default.jpg");
  const Raster w = decode_jpeg(white.body);
  CHECK(w.width == 141);
  CHECK(w.row(0)[0] > 245);  // white corner
}

TEST_CASE("pipeline over http: every registered format is served with its MIME type") {
  auto server = start_server();
  const auto info = nlohmann::json::parse(http_get(server->port(), "/iiif/rgb.tif/info.json").body);
  CHECK(info["profile"] == "level2");
  struct Format {
    std::string extension;
    const char* mime;
    std::string magic;
    Decoded (*decode)(const std::string&);
  };
  const std::vector<Format> formats{
      {"jpg", "image/jpeg", "\xff\xd8\xff", &turbojpeg_decode},
      {"png", "image/png", "\x89PNG", &libpng_decode},
      {"webp", "image/webp", "RIFF", &libwebp_decode},
      {"tif", "image/tiff", "II*", &libtiff_decode},
      {"gif", "image/gif", "GIF8", &giflib_decode},
      {"jp2", "image/jp2", std::string("\0\0\0\x0cjP  ", 8), &openjpeg_decode},
      {"pdf", "application/pdf", "%PDF-", &pdf_decode},
      {"avif", "image/avif", std::string("\0\0\0", 3), &libavif_decode}};
  // The list above is the registry, in its order: a new format must be added here too.
  REQUIRE(formats.size() == output_formats().size());
  for (std::size_t i = 0; i < formats.size(); ++i) {
    const Format& f = formats[i];
    INFO(f.extension);
    CHECK(output_formats()[i].extension == f.extension);
    const auto r = http_get(server->port(), "/iiif/rgb.tif/full/120,/0/default." + f.extension);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == f.mime);
    CHECK(r.body.compare(0, f.magic.size(), f.magic) == 0);
    const Decoded d = f.decode(r.body);
    CHECK(d.pixels.width == 120);
    CHECK(d.pixels.height == 84);
  }
  CHECK(http_get(server->port(), "/iiif/rgb.tif/full/120,/0/default.bmp").status == 400);
}

TEST_CASE("pipeline over http: 16-bit PNG output when configured") {
  auto server = start_server({"--output-bits", "16"});
  const auto deep = http_get(server->port(), "/iiif/grey16.tif/full/max/0/default.png");
  REQUIRE(deep.status == 200);
  CHECK(png_header(deep.body).bit_depth == 16);
  // 8-bit images stay 8-bit; JPEG is always 8-bit.
  CHECK(png_header(http_get(server->port(), "/iiif/grey.tif/full/max/0/default.png").body)
            .bit_depth == 8);
  CHECK(http_get(server->port(), "/iiif/grey16.tif/full/max/0/default.jpg").status == 200);
}

TEST_CASE("pipeline over http: a configured watermark is blended onto outputs") {
  TempDir dir;
  Raster white(64, 64, 1);
  std::fill(white.data.begin(), white.data.end(), std::uint8_t{255});
  const auto mark = dir.path() / "mark.tif";
  REQUIRE_FALSE(write_pyramid_tiff(mark, white, {64, 64, TiffCompression::none}));
  const std::string tile = "/iiif/grey.tif/0,0,256,256/256,/0/default.jpg";
  const auto count_white = [](const Raster& r) {
    return std::count_if(r.data.begin(), r.data.end(), [](std::uint8_t v) { return v >= 250; });
  };
  auto plain_server = start_server();
  const auto plain = count_white(decode_jpeg(http_get(plain_server->port(), tile).body));
  auto marked_server = start_server({"--watermark", mark.string(), "--watermark-opacity", "1"});
  const auto marked = count_white(decode_jpeg(http_get(marked_server->port(), tile).body));
  CHECK(marked >= plain + 64 * 64 - 300);  // a 64x64 white square (JPEG edges aside)

  // A watermark that cannot be read stops the start-up with a clear message.
  const auto bad = run_tessera({"--root", images().root.string(), "--port", "0", "--watermark",
                                (dir.path() / "missing.tif").string()});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("watermark") != std::string::npos);
  CHECK(bad.err.find("missing.tif") != std::string::npos);  // the operator's own setting
}
