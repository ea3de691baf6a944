// Each decoder calls only its format's own library: nothing here shares code with Tessera's
// readers or encoders, so a bug there cannot cancel out in a round trip.

#include "tests/support/reference_decoders.hpp"

#include <avif/avif.h>
#include <gif_lib.h>
#include <openjpeg.h>
#include <png.h>
#include <tiffio.h>
#include <turbojpeg.h>
#include <webp/decode.h>
#include <webp/mux.h>
#include <zlib.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <utility>

#include "tests/support/test_support.hpp"

namespace tessera::testing {

namespace {

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

std::uint32_t be16(const std::string& s, std::size_t i) {
  return std::uint32_t{static_cast<unsigned char>(s[i])} << 8 |
         static_cast<unsigned char>(s[i + 1]);
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

struct GifReader {
  const std::string* bytes;
  std::size_t pos = 0;
};

}  // namespace

Raster smooth(int w, int h, int bands, SampleType type) {
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

Raster busy(int w, int h, int bands, SampleType type) {
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

Raster pick(const Raster& in, std::vector<int> which, bool narrow) {
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

// Owners of the decoders' C handles, so a failed REQUIRE in mid-decode leaks nothing.
template <auto Release>
struct Releaser {
  template <class T>
  void operator()(T* p) const noexcept {
    Release(p);
  }
};
using TjHandle = std::unique_ptr<void, Releaser<tjDestroy>>;
using WebPBytes = std::unique_ptr<std::uint8_t, Releaser<WebPFree>>;
using Mux = std::unique_ptr<WebPMux, Releaser<WebPMuxDelete>>;
using Tiff = std::unique_ptr<TIFF, Releaser<TIFFClose>>;
using AvifDecoder = std::unique_ptr<avifDecoder, Releaser<avifDecoderDestroy>>;
using AvifImage = std::unique_ptr<avifImage, Releaser<avifImageDestroy>>;
struct GifClose {
  void operator()(GifFileType* g) const noexcept {
    int error = 0;
    DGifCloseFile(g, &error);
  }
};
using Gif = std::unique_ptr<GifFileType, GifClose>;

std::string encode(const char* format, const Raster& r, const EncodeOptions& o,
                   const EncodeMetadata& m) {
  auto out = find_output_format(format)->encode(r, o, m);
  if (!out) FAIL(format << ": " << out.error().message);
  REQUIRE(out->size() > 8);
  return std::move(*out);
}

Decoded turbojpeg_decode(const std::string& bytes) {
  Decoded d;
  const TjHandle owner(tjInitDecompress());
  tjhandle tj = owner.get();
  int w = 0, h = 0, subsamp = 0, space = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  REQUIRE(tjDecompressHeader3(tj, data, bytes.size(), &w, &h, &subsamp, &space) == 0);
  d.subsampling = subsamp;
  d.pixels = Raster(w, h, subsamp == TJSAMP_GRAY ? 1 : 3);
  const int rc = tjDecompress2(tj, data, bytes.size(), d.pixels.data.data(), w, 0, h,
                               subsamp == TJSAMP_GRAY ? TJPF_GRAY : TJPF_RGB, 0);
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

Decoded libpng_decode(const std::string& bytes) {
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

Decoded libwebp_decode(const std::string& bytes) {
  Decoded d;
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  WebPBitstreamFeatures features;
  REQUIRE(WebPGetFeatures(data, bytes.size(), &features) == VP8_STATUS_OK);
  int w = 0, h = 0;
  const WebPBytes px(features.has_alpha ? WebPDecodeRGBA(data, bytes.size(), &w, &h)
                                        : WebPDecodeRGB(data, bytes.size(), &w, &h));
  REQUIRE(px != nullptr);
  d.pixels = Raster(w, h, features.has_alpha ? 4 : 3);
  std::memcpy(d.pixels.data.data(), px.get(), d.pixels.data.size());
  const WebPData whole{data, bytes.size()};
  const Mux owner(WebPMuxCreate(&whole, 0));
  WebPMux* mux = owner.get();
  REQUIRE(mux != nullptr);
  WebPData chunk;
  if (WebPMuxGetChunk(mux, "ICCP", &chunk) == WEBP_MUX_OK)
    d.icc.assign(reinterpret_cast<const char*>(chunk.bytes), chunk.size);
  if (WebPMuxGetChunk(mux, "XMP ", &chunk) == WEBP_MUX_OK)
    d.xmp.assign(reinterpret_cast<const char*>(chunk.bytes), chunk.size);
  return d;
}

Decoded libtiff_decode(const std::string& bytes) {
  TempDir dir;
  const auto path = dir.path() / "out.tif";
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Decoded d;
  const Tiff owner(TIFFOpen(path.c_str(), "r"));
  TIFF* tif = owner.get();
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
  return d;
}

Decoded giflib_decode(const std::string& bytes) {
  GifReader reader{&bytes};
  int error = 0;
  const Gif owner(DGifOpen(
      &reader,
      [](GifFileType* g, GifByteType* out, int n) {
        auto* r = static_cast<GifReader*>(g->UserData);
        const int k = static_cast<int>(std::min<std::size_t>(n, r->bytes->size() - r->pos));
        std::memcpy(out, r->bytes->data() + r->pos, k);
        r->pos += k;
        return k;
      },
      &error));
  GifFileType* gif = owner.get();
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  REQUIRE(gif->ImageCount == 1);
  Decoded d;
  const SavedImage& image = gif->SavedImages[0];
  const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
  REQUIRE(map != nullptr);
  const std::vector<GifColorType> palette(map->Colors, map->Colors + map->ColorCount);
  d.indices = Raster(gif->SWidth, gif->SHeight, 1);
  std::memcpy(d.indices.data.data(), image.RasterBits, d.indices.data.size());
  GraphicsControlBlock gcb;
  if (DGifSavedExtensionToGCB(gif, 0, &gcb) == GIF_OK) d.transparent = gcb.TransparentColor;
  // Rendered as RGB for comparisons.
  d.pixels = Raster(d.indices.width, d.indices.height, 3);
  for (std::size_t i = 0; i < d.indices.data.size(); ++i) {
    REQUIRE(d.indices.data[i] < palette.size());
    const GifColorType c = palette[d.indices.data[i]];
    d.pixels.data[3 * i] = c.Red, d.pixels.data[3 * i + 1] = c.Green,
                      d.pixels.data[3 * i + 2] = c.Blue;
  }
  return d;
}

Decoded libavif_decode(const std::string& bytes) {
  const AvifDecoder decoder_owner(avifDecoderCreate());
  const AvifImage image_owner(avifImageCreateEmpty());
  avifDecoder* decoder = decoder_owner.get();
  avifImage* image = image_owner.get();
  const avifResult rc = avifDecoderReadMemory(
      decoder, image, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  Decoded d;
  if (rc == AVIF_RESULT_OK) {
    d.yuv_format = image->yuvFormat;
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
  REQUIRE(rc == AVIF_RESULT_OK);
  return d;
}

// ---- JPEG 2000 ----

namespace {

struct OpjReader {
  const std::string* bytes;
  std::size_t pos = 0;
};

using OpjCodec = std::unique_ptr<opj_codec_t, Releaser<opj_destroy_codec>>;
using OpjStream = std::unique_ptr<opj_stream_t, Releaser<opj_stream_destroy>>;
using OpjImage = std::unique_ptr<opj_image_t, Releaser<opj_image_destroy>>;

OPJ_SIZE_T opj_read(void* out, OPJ_SIZE_T n, void* user) {
  auto* r = static_cast<OpjReader*>(user);
  if (r->pos >= r->bytes->size()) return static_cast<OPJ_SIZE_T>(-1);
  n = std::min<OPJ_SIZE_T>(n, r->bytes->size() - r->pos);
  std::memcpy(out, r->bytes->data() + r->pos, n);
  r->pos += n;
  return n;
}

}  // namespace

Decoded openjpeg_decode(const std::string& bytes) {
  OpjReader reader{&bytes};
  std::string messages;
  const OpjCodec codec(opj_create_decompress(OPJ_CODEC_JP2));
  const auto collect = [](const char* m, void* user) { *static_cast<std::string*>(user) += m; };
  opj_set_error_handler(codec.get(), collect, &messages);
  opj_set_warning_handler(codec.get(), collect, &messages);
  const OpjStream stream(opj_stream_create(1 << 16, OPJ_TRUE));
  opj_stream_set_user_data(stream.get(), &reader, nullptr);
  opj_stream_set_user_data_length(stream.get(), bytes.size());
  opj_stream_set_read_function(stream.get(), opj_read);
  opj_stream_set_skip_function(stream.get(), [](OPJ_OFF_T n, void* user) -> OPJ_OFF_T {
    auto* r = static_cast<OpjReader*>(user);
    r->pos = static_cast<std::size_t>(static_cast<OPJ_OFF_T>(r->pos) + n);
    return n;
  });
  opj_stream_set_seek_function(stream.get(), [](OPJ_OFF_T to, void* user) -> OPJ_BOOL {
    static_cast<OpjReader*>(user)->pos = static_cast<std::size_t>(to);
    return OPJ_TRUE;
  });
  opj_image_t* raw = nullptr;
  const bool header = opj_read_header(stream.get(), codec.get(), &raw);
  const OpjImage image(raw);
  INFO(messages);
  REQUIRE(header);
  REQUIRE(opj_decode(codec.get(), stream.get(), image.get()));
  REQUIRE(opj_end_decompress(codec.get(), stream.get()));

  Decoded d;
  opj_codestream_info_v2_t* info = opj_get_cstr_info(codec.get());
  REQUIRE(info != nullptr);
  d.tags["resolutions"] = static_cast<int>(info->m_default_tile_info.tccp_info[0].numresolutions);
  d.tags["reversible"] = info->m_default_tile_info.tccp_info[0].qmfbid == 1;
  d.tags["tile_w"] = static_cast<int>(info->tdx), d.tags["tile_h"] = static_cast<int>(info->tdy);
  d.tags["tiles"] = static_cast<int>(info->tw * info->th);
  opj_destroy_cstr_info(&info);

  const int n = static_cast<int>(image->numcomps);
  const opj_image_comp_t* comps = image->comps;
  d.tags["prec"] = static_cast<int>(comps[0].prec);
  d.tags["alpha"] = -1;
  for (int c = 0; c < n; ++c) {
    REQUIRE((comps[c].w == comps[0].w && comps[c].h == comps[0].h && comps[c].dx == 1));
    REQUIRE((comps[c].prec == comps[0].prec && comps[c].sgnd == 0));
    if (comps[c].alpha) d.tags["alpha"] = c;
  }
  d.pixels =
      Raster(comps[0].w, comps[0].h, n, comps[0].prec > 8 ? SampleType::u16 : SampleType::u8);
  const std::size_t count = static_cast<std::size_t>(d.pixels.width * d.pixels.height);
  for (std::size_t i = 0; i < count; ++i)
    for (int c = 0; c < n; ++c)
      put(d.pixels, i * n + c, static_cast<std::uint32_t>(comps[c].data[i]));
  if (image->icc_profile_buf)
    d.icc.assign(reinterpret_cast<const char*>(image->icc_profile_buf), image->icc_profile_len);
  return d;
}

}  // namespace tessera::testing
