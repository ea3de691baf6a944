// The output encoders for WebP, TIFF, GIF and AVIF, and metadata in every format. Output is
// decoded with each format's own library (tests/support/reference_decoders.hpp).

#include <avif/avif.h>
#include <tiffio.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "imaging/encoder.hpp"
#include "tests/support/reference_decoders.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

// A profile header that libpng accepts (it checks length, signature, class and colour space).
std::string make_icc(std::size_t size, const char* space = "RGB ") {
  std::string p(size, '\0');
  const auto be32 = [&](std::size_t at, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) p[at + k] = static_cast<char>(v >> (24 - 8 * k));
  };
  be32(0, static_cast<std::uint32_t>(size));
  be32(8, 0x04300000);
  p.replace(12, 4, "mntr"), p.replace(16, 4, space), p.replace(20, 4, "XYZ "),
      p.replace(36, 4, "acsp");
  be32(68, 0xF6D6), be32(72, 0x10000), be32(76, 0xD32D);  // D50
  for (std::size_t i = 132; i < size; ++i) p[i] = static_cast<char>(i * 31 + (i >> 8));
  return p;
}

const std::string xmp_packet =
    "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?><x:xmpmeta xmlns:x='adobe:ns:meta/'>"
    "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'/></x:xmpmeta>"
    "<?xpacket end='w'?>";

// The input bands WebP and AVIF give back for 1 to 4 bands: grey comes back as RGB.
const std::vector<int> rgb_of[5] = {{}, {0, 0, 0}, {0, 0, 0, 1}, {0, 1, 2}, {0, 1, 2, 3}};

}  // namespace

TEST_CASE("WebP lossless is exact and lossy is close with grey as RGB", "[encoder][webp]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands) {
      CAPTURE(bands, type == SampleType::u16);
      EncodeOptions o;
      o.webp_quality = -1;
      const Raster exact = busy(45, 31, bands, type);
      require_equal(libwebp_decode(encode("webp", exact, o)).pixels,
                    pick(exact, rgb_of[bands], true));
      o.webp_quality = 50;
      const Raster in = smooth(128, 96, bands, type);
      const Decoded d = libwebp_decode(encode("webp", in, o));
      CHECK(psnr(d.pixels, pick(in, rgb_of[bands], true)) > 30);
    }
}

TEST_CASE("TIFF keeps every layout and depth exactly without lossy compression",
          "[encoder][tiff]") {
  const std::pair<TiffCompression, int> codecs[] = {
      {TiffCompression::none, COMPRESSION_NONE},
      {TiffCompression::lzw, COMPRESSION_LZW},
      {TiffCompression::deflate, COMPRESSION_ADOBE_DEFLATE}};
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands)
      for (auto [codec, tag] : codecs) {
        CAPTURE(bands, tag, type == SampleType::u16);
        // Tall enough for several strips.
        const Raster in = busy(301, 257, bands, type);
        EncodeOptions o;
        o.tiff_compression = codec;
        const Decoded d = libtiff_decode(encode("tif", in, o));
        require_equal(d.pixels, in);
        CHECK(d.tags.at("compression") == tag);
        CHECK(d.tags.at("predictor") ==
              (codec == TiffCompression::none ? 1 : PREDICTOR_HORIZONTAL));
        CHECK(d.tags.at("photometric") == (bands >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK));
        CHECK(d.tags.count("extra") == (bands % 2 == 0 ? 1u : 0u));
        if (bands % 2 == 0) CHECK(d.tags.at("extra") == EXTRASAMPLE_UNASSALPHA);
        const std::size_t strip = d.tags.at("rows") * in.row_bytes();
        CHECK((strip >= 64 * 1024 || d.tags.at("rows") == in.height));
        CHECK(d.tags.at("rows") < in.height);
      }
}

TEST_CASE("TIFF JPEG compression is lossy at 8 bits and deflate at 16", "[encoder][tiff]") {
  EncodeOptions o;
  o.tiff_compression = TiffCompression::jpeg;
  for (int bands = 1; bands <= 4; ++bands) {
    CAPTURE(bands);
    const Raster in = smooth(200, 150, bands);
    const Decoded d = libtiff_decode(encode("tif", in, o));
    CHECK(d.tags.at("compression") == COMPRESSION_JPEG);
    CHECK(d.tags.at("photometric") == (bands == 3   ? PHOTOMETRIC_YCBCR
                                       : bands == 4 ? PHOTOMETRIC_RGB
                                                    : PHOTOMETRIC_MINISBLACK));
    CHECK(psnr(d.pixels, in) > 35);
  }
  const Raster deep = busy(40, 30, 3, SampleType::u16);
  const Decoded d = libtiff_decode(encode("tif", deep, o));
  CHECK(d.tags.at("compression") == COMPRESSION_ADOBE_DEFLATE);
  require_equal(d.pixels, deep);
}

TEST_CASE("GIF keeps grey and up to 256 colours exactly and quantises more", "[encoder][gif]") {
  const Raster grey = busy(50, 40, 1);
  Decoded d = giflib_decode(encode("gif", grey));
  require_equal(d.indices, grey);  // a 256-level grey palette indexed by value
  require_equal(d.pixels, pick(grey, {0, 0, 0}));
  CHECK(d.transparent == -1);

  const Raster deep = busy(50, 40, 1, SampleType::u16);
  require_equal(giflib_decode(encode("gif", deep)).pixels, pick(deep, {0, 0, 0}, true));

  // 256 distinct colours spread over the whole cube: the palette must hold them exactly.
  Raster few(64, 32, 3);
  for (std::size_t i = 0; i < 64 * 32; ++i) {
    const std::size_t c = i % 256;
    few.data[3 * i] = static_cast<std::uint8_t>(c * 37);
    few.data[3 * i + 1] = static_cast<std::uint8_t>(c * 101 + 3);
    few.data[3 * i + 2] = static_cast<std::uint8_t>(255 - c);
  }
  require_equal(giflib_decode(encode("gif", few)).pixels, few);

  const Raster many = smooth(128, 96, 3);
  d = giflib_decode(encode("gif", many));
  // Median cut without dithering on a ramp through 12k colours: about 29.7 dB.
  CHECK(psnr(d.pixels, many) > 28);
}

TEST_CASE("GIF alpha gives transparent pixels the transparent index", "[encoder][gif]") {
  for (int bands : {2, 4})
    for (bool few : {true, false}) {
      CAPTURE(bands, few);
      // `few`: 200 colours, kept exactly; else a ramp with more than the 255 colours left.
      Raster in = few ? Raster(100, 80, bands) : smooth(100, 80, bands);
      for (std::size_t i = 0; i < 100 * 80; ++i) {
        std::uint8_t* p = in.data.data() + i * bands;
        const std::size_t c = i % 200;
        if (few && bands == 2) p[0] = static_cast<std::uint8_t>(c);
        if (few && bands == 4) {
          p[0] = static_cast<std::uint8_t>(c * 37);
          p[1] = static_cast<std::uint8_t>(c * 101 + 3);
          p[2] = static_cast<std::uint8_t>(255 - c);
        }
        p[bands - 1] = static_cast<std::uint8_t>((i * 37) % 256);
      }
      const Decoded d = giflib_decode(encode("gif", in));
      REQUIRE(d.transparent >= 0);
      const Raster colour = pick(in, bands == 2 ? std::vector{0, 0, 0} : std::vector{0, 1, 2});
      std::size_t wrong_alpha = 0, wrong_colour = 0;
      int worst = 0;
      for (std::size_t i = 0; i < 100 * 80; ++i) {
        const bool clear = in.data[i * bands + bands - 1] < 128;
        wrong_alpha += clear != (d.indices.data[i] == d.transparent);
        if (clear) continue;
        for (int b = 0; b < 3; ++b) {
          const int diff = std::abs(int(d.pixels.data[3 * i + b]) - int(colour.data[3 * i + b]));
          wrong_colour += diff != 0;
          worst = std::max(worst, diff);
        }
      }
      CHECK(wrong_alpha == 0);
      if (few) CHECK(wrong_colour == 0);
      if (!few && bands == 2) CHECK(worst <= 1);  // 255 grey levels
    }
}

TEST_CASE("AVIF lossless is exact and lossy is close", "[encoder][avif]") {
  for (int bands = 1; bands <= 4; ++bands) {
    CAPTURE(bands);
    EncodeOptions o;
    o.avif_quality = -1;
    const Raster exact = busy(45, 31, bands);
    const Decoded lossless = libavif_decode(encode("avif", exact, o));
    require_equal(lossless.pixels, pick(exact, rgb_of[bands]));
    CHECK(lossless.yuv_format ==
          (bands <= 2 ? AVIF_PIXEL_FORMAT_YUV400 : AVIF_PIXEL_FORMAT_YUV444));
    o.avif_quality = 50;
    const Raster in = smooth(128, 96, bands, SampleType::u16);
    CHECK(psnr(libavif_decode(encode("avif", in, o)).pixels, pick(in, rgb_of[bands], true)) > 30);
  }
}

TEST_CASE("ICC profiles and XMP and resolution survive in every format that holds them",
          "[encoder][metadata]") {
  const Raster in = smooth(40, 30, 3);
  const std::string icc = make_icc(150000);  // three JPEG APP2 chunks
  EncodeMetadata meta{icc, xmp_packet, 300, 150};

  Decoded d = turbojpeg_decode(encode("jpg", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK((d.dpi_x == 300 && d.dpi_y == 150));
  CHECK(psnr(d.pixels, in) > 35);  // the spliced markers left a valid stream

  d = libpng_decode(encode("png", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK(d.dpi_x == Approx(300).epsilon(1e-4));
  CHECK(d.dpi_y == Approx(150).epsilon(1e-4));

  d = libtiff_decode(encode("tif", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK((d.dpi_x == 300 && d.dpi_y == 150));

  d = libwebp_decode(encode("webp", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK(psnr(d.pixels, in) > 30);

  d = libavif_decode(encode("avif", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);

  // GIF has no place for them and must still encode.
  CHECK(giflib_decode(encode("gif", in, {}, meta)).pixels.width == 40);
}

TEST_CASE("Metadata edge cases: small profiles and oversized XMP and profiles libpng refuses",
          "[encoder][metadata]") {
  const Raster grey = smooth(20, 10, 1);
  const std::string small = make_icc(200, "GRAY");
  CHECK(turbojpeg_decode(encode("jpg", grey, {}, {small, {}, 0, 0})).icc == small);
  CHECK(libpng_decode(encode("png", grey, {}, {small, {}, 0, 0})).icc == small);
  // APP1 holds at most 65502 bytes of XMP; a larger packet is left out, not truncated.
  const std::string big_xmp(70000, 'x');
  Decoded d = turbojpeg_decode(encode("jpg", grey, {}, {{}, big_xmp, 72, 72}));
  CHECK(d.xmp.empty());
  CHECK((d.dpi_x == 72 && d.dpi_y == 72));
  CHECK(libpng_decode(encode("png", grey, {}, {{}, big_xmp, 0, 0})).xmp == big_xmp);
  // An RGB profile on a grey PNG is invalid there: dropped, the image still encodes.
  d = libpng_decode(encode("png", grey, {}, {make_icc(200, "RGB "), {}, 0, 0}));
  CHECK(d.icc.empty());
  require_equal(d.pixels, grey);
  d = libpng_decode(encode("png", grey, {}, {"not a profile", {}, 0, 0}));
  CHECK(d.icc.empty());
}
