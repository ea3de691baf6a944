// PNG output through libpng, written to memory. libpng reports errors by longjmp, so the part
// that calls it is plain C: nothing with a destructor lives in the frame holding the setjmp.

#include <png.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <string>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

struct Sink {
  std::string bytes;
  char message[200] = "";
};

void on_write(png_structp png, png_bytep data, png_size_t length) {
  auto* sink = static_cast<Sink*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    sink->bytes.append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    failed = true;
  }
  // Outside the catch block: longjmp must not leave a handler.
  if (failed) png_error(png, "out of memory");
}

void on_flush(png_structp) {}

[[noreturn]] void on_error(png_structp png, png_const_charp message) {
  auto* sink = static_cast<Sink*>(png_get_error_ptr(png));
  std::snprintf(sink->message, sizeof sink->message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

int filters_for(int level) {
  if (level == 0) return PNG_FILTER_NONE;
  // SUB alone is cheap and keeps most of the gain on photographic tiles.
  if (level <= 3) return PNG_FILTER_SUB;
  if (level <= 6) return PNG_FAST_FILTERS;
  return PNG_ALL_FILTERS;
}

// Everything libpng may longjmp out of; only trivially destructible locals here.
bool write_png(png_structp png, png_infop info, const Raster& r, const EncodeOptions& options,
               const EncodeMetadata& meta) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_user_limits(png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
  // A profile libpng finds invalid is left out with a warning rather than failing the image.
  png_set_benign_errors(png, 1);
  const int level = std::clamp(options.png_compression, 0, 9);
  png_set_compression_level(png, level);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, filters_for(level));

  static constexpr int colour_types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                         PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
  const bool deep = r.type == SampleType::u16;
  png_set_IHDR(png, info, static_cast<png_uint_32>(r.width), static_cast<png_uint_32>(r.height),
               deep ? 16 : 8, colour_types[r.bands - 1], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  if (!meta.icc_profile.empty())
    png_set_iCCP(png, info, "ICC", PNG_COMPRESSION_TYPE_BASE,
                 reinterpret_cast<png_const_bytep>(meta.icc_profile.data()),
                 static_cast<png_uint_32>(meta.icc_profile.size()));
  if (!meta.xmp.empty()) {
    png_text text{};
    text.compression = PNG_ITXT_COMPRESSION_NONE;
    text.key = const_cast<char*>("XML:com.adobe.xmp");
    text.text = const_cast<char*>(meta.xmp.data());
    text.itxt_length = meta.xmp.size();
    text.lang = const_cast<char*>("");
    text.lang_key = const_cast<char*>("");
    png_set_text(png, info, &text, 1);
  }
  if (meta.dpi_x > 0 && meta.dpi_y > 0) {
    const auto per_metre = [](double dpi) {
      return static_cast<png_uint_32>(std::clamp(std::lround(dpi / 0.0254), 1L, 0x7FFFFFFFL));
    };
    png_set_pHYs(png, info, per_metre(meta.dpi_x), per_metre(meta.dpi_y), PNG_RESOLUTION_METER);
  }
  png_write_info(png, info);
  // PNG stores 16-bit samples big-endian.
  if (deep && std::endian::native == std::endian::little) png_set_swap(png);
  for (std::int64_t y = 0; y < r.height; ++y) png_write_row(png, r.row(y));
  png_write_end(png, info);
  return true;
}

}  // namespace

Result<std::string> encode_png(const Raster& raster, const EncodeOptions& options,
                               const EncodeMetadata& meta) {
  Raster scratch;
  auto prepared = encoders::prepare_raster(raster, {"PNG", PNG_UINT_31_MAX, true, true}, scratch);
  if (!prepared) return prepared.error();
  if (meta.icc_profile.size() > PNG_UINT_31_MAX || meta.xmp.size() > PNG_UINT_31_MAX)
    return make_error(Errc::internal, "PNG metadata too large");

  Sink sink;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
  if (!png) return make_error(Errc::internal, "PNG encoder unavailable");
  png_infop info = png_create_info_struct(png);
  bool ok = false;
  if (info) {
    png_set_write_fn(png, &sink, on_write, on_flush);
    ok = write_png(png, info, **prepared, options, meta);
  }
  png_destroy_write_struct(&png, info ? &info : nullptr);
  if (!ok) return make_error(Errc::internal, std::string("PNG encoding failed: ") + sink.message);
  return std::move(sink.bytes);
}

}  // namespace tessera
