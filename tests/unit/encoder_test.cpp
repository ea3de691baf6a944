// The output encoders, checked by decoding with each format's own reference library.

#include <avif/avif.h>
#include <gif_lib.h>
#include <png.h>
#include <tiffio.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/mux.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "imaging/encoder.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;

namespace {

// ---- Inputs and comparisons ----

std::uint32_t at(const Raster& r, std::size_t i) {
  if (r.type == SampleType::u8) return r.data[i];
  std::uint16_t v;
  std::memcpy(&v, r.data.data() + 2 * i, 2);
  return v;
}

void put(Raster& r, std::size_t i, std::uint32_t v) {
  if (r.type == SampleType::u8) {
    r.data[i] = static_cast<std::uint8_t>(v);
  } else {
    const auto s = static_cast<std::uint16_t>(v);
    std::memcpy(r.data.data() + 2 * i, &s, 2);
  }
}

std::size_t samples(const Raster& r) {
  return static_cast<std::size_t>(r.width * r.height * r.bands);
}

// Smooth ramps in [0,1] per band; alpha stays above 0.3 so lossy codecs keep the colour.
Raster smooth(int w, int h, int bands, SampleType type = SampleType::u8) {
  Raster r(w, h, bands, type);
  const double top = type == SampleType::u8 ? 255 : 65535;
  const int colour = bands >= 3 ? 3 : 1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) {
        const double u = x / double(w - 1), v = y / double(h - 1);
        double l = b == colour   ? 0.3 + 0.7 * u
                   : colour == 1 ? 0.5 * (u + v)
                   : b == 0      ? u
                   : b == 1      ? v
                                 : 1 - 0.5 * (u + v);
        put(r, (static_cast<std::size_t>(y) * w + x) * bands + b, std::lround(l * top));
      }
  return r;
}

// Values that change in every bit, for lossless checks.
Raster busy(int w, int h, int bands, SampleType type = SampleType::u8) {
  Raster r(w, h, bands, type);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int b = 0; b < bands; ++b) {
        const std::uint32_t v = type == SampleType::u8
                                    ? (x * 7 + y * 13 + b * 50 + (x * y) % 11) & 0xFF
                                    : (x * 1637 + y * 257 + b * 4099 + 12345) & 0xFFFF;
        put(r, (static_cast<std::size_t>(y) * w + x) * bands + b, v);
      }
  return r;
}

// The bands `which` of `in`, narrowed to 8 bits (nearest of 256 levels) if `narrow`.
Raster pick(const Raster& in, std::vector<int> which, bool narrow = false) {
  const SampleType type = narrow ? SampleType::u8 : in.type;
  Raster out(in.width, in.height, static_cast<int>(which.size()), type);
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < which.size(); ++k) {
      std::uint32_t v = at(in, i * in.bands + which[k]);
      if (narrow && in.type == SampleType::u16)
        v = static_cast<std::uint32_t>(std::lround(v / 257.0));
      put(out, i * out.bands + k, v);
    }
  return out;
}

void require_equal(const Raster& a, const Raster& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.bands == b.bands);
  REQUIRE(a.type == b.type);
  std::size_t differing = 0;
  for (std::size_t i = 0; i < samples(a); ++i) differing += at(a, i) != at(b, i);
  REQUIRE(differing == 0);
}

double psnr(const Raster& a, const Raster& b) {
  REQUIRE(a.width == b.width);
  REQUIRE(a.height == b.height);
  REQUIRE(a.bands == b.bands);
  double sum = 0;
  for (std::size_t i = 0; i < samples(a); ++i) {
    const double d = double(at(a, i)) - double(at(b, i));
    sum += d * d;
  }
  const double mse = sum / double(samples(a));
  return mse == 0 ? 99 : 10 * std::log10(255.0 * 255.0 / mse);
}

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

std::string encode(const char* format, const Raster& r, const EncodeOptions& o = {},
                   const EncodeMetadata& m = {}) {
  auto out = find_output_format(format)->encode(r, o, m);
  if (!out) FAIL(format << ": " << out.error().message);
  REQUIRE(out->size() > 8);
  return std::move(*out);
}

// ---- Reference decoders ----

struct Decoded {
  Raster pixels;
  std::string icc, xmp;
  double dpi_x = 0, dpi_y = 0;
  int subsampling = -1;               // JPEG
  int transparent = -1;               // GIF
  std::vector<GifColorType> palette;  // GIF
  Raster indices;                     // GIF
  std::map<std::string, int> tags;    // TIFF
};

std::uint32_t be16(const std::string& s, std::size_t i) {
  return std::uint32_t{static_cast<unsigned char>(s[i])} << 8 |
         static_cast<unsigned char>(s[i + 1]);
}

Decoded decode_jpeg(const std::string& bytes) {
  Decoded d;
  tjhandle tj = tjInitDecompress();
  int w = 0, h = 0, subsamp = 0, space = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  REQUIRE(tjDecompressHeader3(tj, data, bytes.size(), &w, &h, &subsamp, &space) == 0);
  d.subsampling = subsamp;
  d.pixels = Raster(w, h, subsamp == TJSAMP_GRAY ? 1 : 3);
  const int rc = tjDecompress2(tj, data, bytes.size(), d.pixels.data.data(), w, 0, h,
                               subsamp == TJSAMP_GRAY ? TJPF_GRAY : TJPF_RGB, 0);
  tjDestroy(tj);
  REQUIRE(rc == 0);
  // Marker segments up to the scan: JFIF density, XMP, ICC chunks by sequence number.
  std::map<int, std::string> icc_parts;
  for (std::size_t i = 2; i + 4 <= bytes.size() && bytes[i] == '\xFF' && bytes[i + 1] != '\xDA';) {
    const int marker = static_cast<unsigned char>(bytes[i + 1]);
    const std::size_t len = be16(bytes, i + 2);
    const std::string body = bytes.substr(i + 4, len - 2);
    if (marker == 0xE0 && body.compare(0, 5, std::string("JFIF\0", 5)) == 0 && body[7] == 1) {
      d.dpi_x = be16(body, 8), d.dpi_y = be16(body, 10);
    } else if (marker == 0xE1 &&
               body.compare(0, 29, std::string("http://ns.adobe.com/xap/1.0/\0", 29)) == 0) {
      d.xmp = body.substr(29);
    } else if (marker == 0xE2 && body.compare(0, 12, std::string("ICC_PROFILE\0", 12)) == 0) {
      REQUIRE(icc_parts.count(body[12]) == 0);
      icc_parts[body[12]] = body.substr(14);
      REQUIRE(static_cast<std::size_t>(body[13]) >= icc_parts.size());
    }
    i += 2 + len;
  }
  for (const auto& [seq, part] : icc_parts) d.icc += part;
  return d;
}

struct PngReader {
  const std::string* bytes;
  std::size_t pos = 0;
};

// Only trivially destructible locals: libpng leaves by longjmp.
bool read_png(png_structp png, png_infop info, Decoded& d) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_info(png, info);
  const int depth = png_get_bit_depth(png, info);
  const int channels = png_get_channels(png, info);
  d.pixels = Raster(png_get_image_width(png, info), png_get_image_height(png, info), channels,
                    depth == 16 ? SampleType::u16 : SampleType::u8);
  for (std::int64_t y = 0; y < d.pixels.height; ++y) png_read_row(png, d.pixels.row(y), nullptr);
  png_read_end(png, info);
  png_charp name;
  int compression;
  png_bytep profile;
  png_uint_32 length;
  if (png_get_iCCP(png, info, &name, &compression, &profile, &length))
    d.icc.assign(reinterpret_cast<const char*>(profile), length);
  png_textp text;
  int count = 0;
  png_get_text(png, info, &text, &count);
  for (int i = 0; i < count; ++i)
    if (std::strcmp(text[i].key, "XML:com.adobe.xmp") == 0)
      d.xmp.assign(text[i].text, text[i].itxt_length);
  png_uint_32 rx, ry;
  int unit;
  if (png_get_pHYs(png, info, &rx, &ry, &unit) && unit == PNG_RESOLUTION_METER)
    d.dpi_x = rx * 0.0254, d.dpi_y = ry * 0.0254;
  return true;
}

Decoded decode_png(const std::string& bytes) {
  Decoded d;
  PngReader reader{&bytes};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_read_fn(png, &reader, [](png_structp p, png_bytep out, png_size_t n) {
    auto* r = static_cast<PngReader*>(png_get_io_ptr(p));
    if (r->pos + n > r->bytes->size()) png_error(p, "truncated");
    std::memcpy(out, r->bytes->data() + r->pos, n);
    r->pos += n;
  });
  const bool ok = read_png(png, info, d);
  png_destroy_read_struct(&png, &info, nullptr);
  REQUIRE(ok);
  // PNG stores 16-bit samples big-endian: assemble them here rather than ask libpng to.
  if (d.pixels.type == SampleType::u16)
    for (std::size_t i = 0; i < samples(d.pixels); ++i) {
      const std::uint8_t* p = d.pixels.data.data() + 2 * i;
      put(d.pixels, i, std::uint32_t{p[0]} << 8 | p[1]);
    }
  return d;
}

Decoded decode_webp(const std::string& bytes) {
  Decoded d;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  REQUIRE(WebPGetFeatures(data, bytes.size(), &features) == VP8_STATUS_OK);
  int w = 0, h = 0;
  std::uint8_t* px = features.has_alpha ? WebPDecodeRGBA(data, bytes.size(), &w, &h)
                                        : WebPDecodeRGB(data, bytes.size(), &w, &h);
  REQUIRE(px != nullptr);
  d.pixels = Raster(w, h, features.has_alpha ? 4 : 3);
  std::memcpy(d.pixels.data.data(), px, d.pixels.data.size());
  WebPFree(px);
  const WebPData whole{data, bytes.size()};
  WebPMux* mux = WebPMuxCreate(&whole, 0);
  REQUIRE(mux != nullptr);
  WebPData chunk;
  if (WebPMuxGetChunk(mux, "ICCP", &chunk) == WEBP_MUX_OK)
    d.icc.assign(reinterpret_cast<const char*>(chunk.bytes), chunk.size);
  if (WebPMuxGetChunk(mux, "XMP ", &chunk) == WEBP_MUX_OK)
    d.xmp.assign(reinterpret_cast<const char*>(chunk.bytes), chunk.size);
  WebPMuxDelete(mux);
  return d;
}

Decoded decode_tiff(const std::string& bytes) {
  testing::TempDir dir;
  const auto path = dir.path() / "out.tif";
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Decoded d;
  TIFF* tif = TIFFOpen(path.c_str(), "r");
  REQUIRE(tif != nullptr);
  std::uint32_t w = 0, h = 0, rows = 0;
  std::uint16_t spp = 0, bps = 0, photometric = 0, compression = 0, predictor = 1, unit = 0,
                extra_count = 0;
  std::uint16_t* extra = nullptr;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w), TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp),
      TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric),
      TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetField(tif, TIFFTAG_PREDICTOR, &predictor), TIFFGetField(tif, TIFFTAG_ROWSPERSTRIP, &rows);
  if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra) && extra_count == 1)
    d.tags["extra"] = extra[0];
  d.tags["photometric"] = photometric, d.tags["compression"] = compression,
  d.tags["predictor"] = predictor;
  d.tags["bps"] = bps, d.tags["spp"] = spp, d.tags["rows"] = static_cast<int>(rows);
  std::uint32_t n = 0;
  void* p = nullptr;
  if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &n, &p)) d.icc.assign(static_cast<const char*>(p), n);
  if (TIFFGetField(tif, TIFFTAG_XMLPACKET, &n, &p)) d.xmp.assign(static_cast<const char*>(p), n);
  float xres = 0, yres = 0;
  if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) &&
      TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) &&
      TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit) && unit == RESUNIT_INCH)
    d.dpi_x = xres, d.dpi_y = yres;
  // Whole strips, decoded by libtiff; YCbCr JPEG comes back as RGB.
  if (photometric == PHOTOMETRIC_YCBCR) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  d.pixels = Raster(w, h, spp, bps == 16 ? SampleType::u16 : SampleType::u8);
  for (std::uint32_t s = 0; s < TIFFNumberOfStrips(tif); ++s) {
    const std::size_t at = s * rows * d.pixels.row_bytes();
    REQUIRE(TIFFReadEncodedStrip(tif, s, d.pixels.data.data() + at,
                                 static_cast<tmsize_t>(d.pixels.data.size() - at)) > 0);
  }
  TIFFClose(tif);
  return d;
}

struct GifReader {
  const std::string* bytes;
  std::size_t pos = 0;
};

Decoded decode_gif(const std::string& bytes) {
  GifReader reader{&bytes};
  int error = 0;
  GifFileType* gif = DGifOpen(
      &reader,
      [](GifFileType* g, GifByteType* out, int n) {
        auto* r = static_cast<GifReader*>(g->UserData);
        const int k = static_cast<int>(std::min<std::size_t>(n, r->bytes->size() - r->pos));
        std::memcpy(out, r->bytes->data() + r->pos, k);
        r->pos += k;
        return k;
      },
      &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  REQUIRE(gif->ImageCount == 1);
  Decoded d;
  const SavedImage& image = gif->SavedImages[0];
  const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
  REQUIRE(map != nullptr);
  d.palette.assign(map->Colors, map->Colors + map->ColorCount);
  d.indices = Raster(gif->SWidth, gif->SHeight, 1);
  std::memcpy(d.indices.data.data(), image.RasterBits, d.indices.data.size());
  GraphicsControlBlock gcb;
  if (DGifSavedExtensionToGCB(gif, 0, &gcb) == GIF_OK) d.transparent = gcb.TransparentColor;
  DGifCloseFile(gif, &error);
  // Rendered as RGB for comparisons.
  d.pixels = Raster(d.indices.width, d.indices.height, 3);
  for (std::size_t i = 0; i < d.indices.data.size(); ++i) {
    REQUIRE(d.indices.data[i] < d.palette.size());
    const GifColorType c = d.palette[d.indices.data[i]];
    d.pixels.data[3 * i] = c.Red, d.pixels.data[3 * i + 1] = c.Green,
                      d.pixels.data[3 * i + 2] = c.Blue;
  }
  return d;
}

// RGB or RGBA with 8-bit samples, whatever the file's YUV layout.
Decoded decode_avif(const std::string& bytes, avifPixelFormat* format = nullptr) {
  avifDecoder* decoder = avifDecoderCreate();
  avifImage* image = avifImageCreateEmpty();
  const avifResult rc = avifDecoderReadMemory(
      decoder, image, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  Decoded d;
  if (rc == AVIF_RESULT_OK) {
    if (format) *format = image->yuvFormat;
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image);
    rgb.depth = 8;
    rgb.format = image->alphaPlane ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
    d.pixels = Raster(image->width, image->height, image->alphaPlane ? 4 : 3);
    rgb.pixels = d.pixels.data.data();
    rgb.rowBytes = static_cast<std::uint32_t>(d.pixels.row_bytes());
    REQUIRE(avifImageYUVToRGB(image, &rgb) == AVIF_RESULT_OK);
    d.icc.assign(reinterpret_cast<const char*>(image->icc.data), image->icc.size);
    d.xmp.assign(reinterpret_cast<const char*>(image->xmp.data), image->xmp.size);
  }
  avifImageDestroy(image);
  avifDecoderDestroy(decoder);
  REQUIRE(rc == AVIF_RESULT_OK);
  return d;
}

const std::vector<int> rgb_of[5] = {{}, {0, 0, 0}, {0, 0, 0, 1}, {0, 1, 2}, {0, 1, 2, 3}};

}  // namespace

TEST_CASE("PNG keeps every layout and depth exactly", "[encoder][png]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands)
      for (int level : {0, 1, 9}) {
        CAPTURE(bands, level, type == SampleType::u16);
        const Raster in = busy(37, 23, bands, type);
        EncodeOptions o;
        o.png_compression = level;
        require_equal(decode_png(encode("png", in, o)).pixels, in);
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
        const Decoded d = decode_tiff(encode("tif", in, o));
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
    const Decoded d = decode_tiff(encode("tif", in, o));
    CHECK(d.tags.at("compression") == COMPRESSION_JPEG);
    CHECK(d.tags.at("photometric") == (bands == 3   ? PHOTOMETRIC_YCBCR
                                       : bands == 4 ? PHOTOMETRIC_RGB
                                                    : PHOTOMETRIC_MINISBLACK));
    CHECK(psnr(d.pixels, in) > 35);
  }
  const Raster deep = busy(40, 30, 3, SampleType::u16);
  const Decoded d = decode_tiff(encode("tif", deep, o));
  CHECK(d.tags.at("compression") == COMPRESSION_ADOBE_DEFLATE);
  require_equal(d.pixels, deep);
}

TEST_CASE("WebP lossless is exact and lossy is close with grey as RGB", "[encoder][webp]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands) {
      CAPTURE(bands, type == SampleType::u16);
      EncodeOptions o;
      o.webp_quality = -1;
      const Raster exact = busy(45, 31, bands, type);
      require_equal(decode_webp(encode("webp", exact, o)).pixels, pick(exact, rgb_of[bands], true));
      o.webp_quality = 50;
      const Raster in = smooth(128, 96, bands, type);
      const Decoded d = decode_webp(encode("webp", in, o));
      CHECK(psnr(d.pixels, pick(in, rgb_of[bands], true)) > 30);
    }
}

TEST_CASE("JPEG drops alpha and narrows 16 bits and stays close to the input", "[encoder][jpeg]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands) {
      CAPTURE(bands, type == SampleType::u16);
      const Raster in = smooth(128, 96, bands, type);
      const Decoded d = decode_jpeg(encode("jpg", in));
      const std::vector<int> colour = bands >= 3 ? std::vector{0, 1, 2} : std::vector{0};
      CHECK(psnr(d.pixels, pick(in, colour, true)) > 35);
    }
}

TEST_CASE("JPEG chroma subsampling follows the request", "[encoder][jpeg]") {
  const Raster in = smooth(64, 48, 3);
  const std::tuple<ChromaSubsampling, int, int> cases[] = {
      {ChromaSubsampling::automatic, 75, TJSAMP_420},
      {ChromaSubsampling::automatic, 89, TJSAMP_420},
      {ChromaSubsampling::automatic, 90, TJSAMP_444},
      {ChromaSubsampling::s444, 50, TJSAMP_444},
      {ChromaSubsampling::s422, 95, TJSAMP_422},
      {ChromaSubsampling::s420, 95, TJSAMP_420}};
  for (auto [mode, quality, expected] : cases) {
    EncodeOptions o;
    o.jpeg_subsampling = mode;
    o.jpeg_quality = quality;
    CHECK(decode_jpeg(encode("jpg", in, o)).subsampling == expected);
  }
  EncodeOptions o;
  o.jpeg_subsampling = ChromaSubsampling::s444;
  CHECK(decode_jpeg(encode("jpg", smooth(64, 48, 1), o)).subsampling == TJSAMP_GRAY);
}

TEST_CASE("GIF keeps grey and up to 256 colours exactly and quantises more", "[encoder][gif]") {
  const Raster grey = busy(50, 40, 1);
  Decoded d = decode_gif(encode("gif", grey));
  require_equal(d.indices, grey);  // a 256-level grey palette indexed by value
  require_equal(d.pixels, pick(grey, {0, 0, 0}));
  CHECK(d.transparent == -1);

  const Raster deep = busy(50, 40, 1, SampleType::u16);
  require_equal(decode_gif(encode("gif", deep)).pixels, pick(deep, {0, 0, 0}, true));

  // 256 distinct colours spread over the whole cube: the palette must hold them exactly.
  Raster few(64, 32, 3);
  for (std::size_t i = 0; i < 64 * 32; ++i) {
    const std::size_t c = i % 256;
    few.data[3 * i] = static_cast<std::uint8_t>(c * 37);
    few.data[3 * i + 1] = static_cast<std::uint8_t>(c * 101 + 3);
    few.data[3 * i + 2] = static_cast<std::uint8_t>(255 - c);
  }
  require_equal(decode_gif(encode("gif", few)).pixels, few);

  const Raster many = smooth(128, 96, 3);
  d = decode_gif(encode("gif", many));
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
      const Decoded d = decode_gif(encode("gif", in));
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
    avifPixelFormat format = AVIF_PIXEL_FORMAT_NONE;
    require_equal(decode_avif(encode("avif", exact, o), &format).pixels,
                  pick(exact, rgb_of[bands]));
    CHECK(format == (bands <= 2 ? AVIF_PIXEL_FORMAT_YUV400 : AVIF_PIXEL_FORMAT_YUV444));
    o.avif_quality = 50;
    const Raster in = smooth(128, 96, bands, SampleType::u16);
    CHECK(psnr(decode_avif(encode("avif", in, o)).pixels, pick(in, rgb_of[bands], true)) > 30);
  }
}

TEST_CASE("ICC profiles and XMP and resolution survive in every format that holds them",
          "[encoder][metadata]") {
  const Raster in = smooth(40, 30, 3);
  const std::string icc = make_icc(150000);  // three JPEG APP2 chunks
  EncodeMetadata meta{icc, xmp_packet, 300, 150};

  Decoded d = decode_jpeg(encode("jpg", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK((d.dpi_x == 300 && d.dpi_y == 150));
  CHECK(psnr(d.pixels, in) > 35);  // the spliced markers left a valid stream

  d = decode_png(encode("png", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK(d.dpi_x == Approx(300).epsilon(1e-4));
  CHECK(d.dpi_y == Approx(150).epsilon(1e-4));

  d = decode_tiff(encode("tif", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK((d.dpi_x == 300 && d.dpi_y == 150));

  d = decode_webp(encode("webp", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);
  CHECK(psnr(d.pixels, in) > 30);

  d = decode_avif(encode("avif", in, {}, meta));
  CHECK(d.icc == icc);
  CHECK(d.xmp == xmp_packet);

  // GIF has no place for them and must still encode.
  CHECK(decode_gif(encode("gif", in, {}, meta)).pixels.width == 40);
}

TEST_CASE("Metadata edge cases: small profiles and oversized XMP and profiles libpng refuses",
          "[encoder][metadata]") {
  const Raster grey = smooth(20, 10, 1);
  const std::string small = make_icc(200, "GRAY");
  CHECK(decode_jpeg(encode("jpg", grey, {}, {small, {}, 0, 0})).icc == small);
  CHECK(decode_png(encode("png", grey, {}, {small, {}, 0, 0})).icc == small);
  // APP1 holds at most 65502 bytes of XMP; a larger packet is left out, not truncated.
  const std::string big_xmp(70000, 'x');
  Decoded d = decode_jpeg(encode("jpg", grey, {}, {{}, big_xmp, 72, 72}));
  CHECK(d.xmp.empty());
  CHECK((d.dpi_x == 72 && d.dpi_y == 72));
  CHECK(decode_png(encode("png", grey, {}, {{}, big_xmp, 0, 0})).xmp == big_xmp);
  // An RGB profile on a grey PNG is invalid there: dropped, the image still encodes.
  d = decode_png(encode("png", grey, {}, {make_icc(200, "RGB "), {}, 0, 0}));
  CHECK(d.icc.empty());
  require_equal(d.pixels, grey);
  d = decode_png(encode("png", grey, {}, {"not a profile", {}, 0, 0}));
  CHECK(d.icc.empty());
}

TEST_CASE("Encoders refuse bad input with the right error and no crash", "[encoder][errors]") {
  const auto error_of = [](const OutputFormat& f, const Raster& r) {
    auto out = f.encode(r, {}, {});
    REQUIRE_FALSE(out.ok());
    return out.error();
  };
  const std::map<std::string, std::int64_t> limits = {{"jpg", 65500},      {"webp", 16383},
                                                      {"gif", 65535},      {"avif", 65535},
                                                      {"png", 0x7FFFFFFF}, {"tif", 0xFFFFFFFF}};
  for (const OutputFormat& f : output_formats()) {
    CAPTURE(f.extension);
    const std::int64_t limit = limits.at(std::string(f.extension));
    // Only the header of an oversized raster: the side check comes before any pixel is read.
    for (bool wide : {true, false}) {
      Raster huge;
      huge.width = wide ? limit + 1 : 1, huge.height = wide ? 1 : limit + 1, huge.bands = 3;
      const Error e = error_of(f, huge);
      CHECK(e.code == Errc::bad_request);
      CHECK(e.message.find("limited to " + std::to_string(limit) + " pixels per side") !=
            std::string::npos);
    }
    // The largest allowed width still encodes where that is cheap.
    if (limit <= 65535) CHECK(f.encode(Raster(limit, 1, 3), {}, {}).ok());
    CHECK(error_of(f, Raster(4, 4, 5)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 0)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 3, SampleType::f32)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 3, SampleType::u32)).code == Errc::internal);
    CHECK(error_of(f, Raster(0, 4, 3)).code == Errc::internal);
    Raster short_data(4, 4, 3);
    short_data.data.resize(10);
    CHECK(error_of(f, short_data).code == Errc::internal);
    // A 16-bit raster is narrowed, never refused.
    CHECK(f.encode(smooth(8, 8, 3, SampleType::u16), {}, {}).ok());
  }
}

// giflib's quantiser keeps state in a global and TurboJPEG handles are per thread: concurrent
// encodes must give the bytes a lone encode gives.
TEST_CASE("Encoders give the same bytes when run concurrently", "[encoder][threads]") {
  const Raster in = smooth(96, 64, 3);
  for (const OutputFormat& f : output_formats()) {
    CAPTURE(f.extension);
    const std::string expected = encode(std::string(f.extension).c_str(), in);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) {
          auto out = f.encode(in, {}, {});
          if (!out || *out != expected) ++mismatches;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(mismatches == 0);
  }
}

TEST_CASE("The format registry", "[encoder][registry]") {
  const auto formats = output_formats();
  const std::vector<std::string> order = {"jpg", "png", "webp", "tif", "gif", "avif"};
  REQUIRE(formats.size() == order.size());
  std::set<std::string_view> keys, mimes;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    const OutputFormat& f = formats[i];
    CAPTURE(f.extension);
    CHECK(f.extension == order[i]);
    CHECK(keys.insert(f.extension).second);
    if (f.name != f.extension) CHECK(keys.insert(f.name).second);
    CHECK(mimes.insert(f.mime_type).second);
    CHECK(find_output_format(f.extension) == &f);
    CHECK(find_output_format(f.name) == &f);
    Raster pixel(1, 1, 3);
    pixel.data = {200, 100, 50};
    CHECK(f.encode(pixel, {}, {}).ok());
  }
  CHECK(find_output_format("jpeg")->mime_type == "image/jpeg");
  CHECK(find_output_format("tiff")->extension == "tif");
  CHECK(find_output_format("JPG") == nullptr);
  CHECK(find_output_format("bmp") == nullptr);
  CHECK(!find_output_format("jpg")->alpha);
  CHECK((find_output_format("png")->deep && find_output_format("tif")->deep));
  CHECK((!find_output_format("webp")->deep && !find_output_format("gif")->deep &&
         !find_output_format("avif")->deep));
  CHECK((find_output_format("webp")->alpha && find_output_format("gif")->alpha &&
         find_output_format("avif")->alpha));
}

// Not a test: time to encode one 256x256 RGB tile per format (run with "[.encoder-timing]"), on
// a smooth ramp and on the ramp with photographic-like grain added.
TEST_CASE("Encoder timing", "[.encoder-timing]") {
  Raster grainy = smooth(256, 256, 3);
  std::uint32_t seed = 12345;
  for (auto& v : grainy.data) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<std::uint8_t>(std::clamp(int(v) + int(seed >> 28) - 8, 0, 255));
  }
  for (const Raster& tile : {smooth(256, 256, 3), grainy}) {
    for (const OutputFormat& f : output_formats()) {
      for (int i = 0; i < 3; ++i) REQUIRE(f.encode(tile, {}, {}).ok());
      const int runs = 30;
      std::size_t size = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < runs; ++i) size = f.encode(tile, {}, {})->size();
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      std::printf("%-5s %8.2f ms %8zu bytes\n", std::string(f.extension).c_str(),
                  took.count() / runs, size);
    }
  }
}
