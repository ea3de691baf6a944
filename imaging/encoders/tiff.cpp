// TIFF output through libtiff, written to a growable memory buffer with client I/O procs.

#include <tiffio.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

// The output file, and the last message libtiff reported for it.
struct MemoryFile {
  std::string bytes;
  std::uint64_t position = 0;
  std::string error;
};

tmsize_t on_read(thandle_t h, void* buffer, tmsize_t size) {
  auto* f = static_cast<MemoryFile*>(h);
  if (size <= 0 || f->position >= f->bytes.size()) return 0;
  const std::size_t n =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(size), f->bytes.size() - f->position);
  std::memcpy(buffer, f->bytes.data() + f->position, n);
  f->position += n;
  return static_cast<tmsize_t>(n);
}

tmsize_t on_write(thandle_t h, void* buffer, tmsize_t size) {
  auto* f = static_cast<MemoryFile*>(h);
  if (size <= 0) return 0;
  const std::uint64_t end = f->position + static_cast<std::uint64_t>(size);
  try {
    if (end > f->bytes.size()) f->bytes.resize(end);
  } catch (...) {
    return -1;  // libtiff reports the short write
  }
  std::memcpy(f->bytes.data() + f->position, buffer, static_cast<std::size_t>(size));
  f->position = end;
  return size;
}

toff_t on_seek(thandle_t h, toff_t offset, int whence) {
  auto* f = static_cast<MemoryFile*>(h);
  std::uint64_t base = 0;
  if (whence == SEEK_CUR) base = f->position;
  if (whence == SEEK_END) base = f->bytes.size();
  f->position = base + offset;
  return f->position;
}

int on_close(thandle_t) {
  return 0;
}
toff_t on_size(thandle_t h) {
  return static_cast<MemoryFile*>(h)->bytes.size();
}
int on_map(thandle_t, void**, toff_t*) {
  return 0;
}
void on_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  char buf[256];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  static_cast<MemoryFile*>(user)->error = module ? std::string(module) + ": " + buf : buf;
  return 1;  // handled: nothing reaches stderr
}

int on_warning(TIFF*, void*, const char*, const char*, va_list) {
  return 1;
}

struct TiffClose {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};
struct OptionsFree {
  void operator()(TIFFOpenOptions* o) const noexcept { TIFFOpenOptionsFree(o); }
};

constexpr std::size_t min_strip_bytes = 64 * 1024;
// Past this the 32-bit offsets of classic TIFF might not reach the end of the file.
constexpr std::uint64_t bigtiff_threshold = 3ull << 30;

std::uint32_t rows_per_strip(const Raster& r, bool jpeg) {
  std::uint64_t rows = (min_strip_bytes + r.row_bytes() - 1) / r.row_bytes();
  if (jpeg) rows = (rows + 15) / 16 * 16;  // whole MCU rows of 2x2-subsampled YCbCr
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(rows, r.height));
}

// Sets the tags of one image; false if libtiff refused one.
bool set_tags(TIFF* tif, const Raster& r, TiffCompression compression, int quality,
              const EncodeMetadata& meta) {
  const bool colour = r.bands >= 3;
  bool ok = TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(r.width)) &&
            TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(r.height)) &&
            TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, r.bands) &&
            TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, r.type == SampleType::u16 ? 16 : 8) &&
            TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, SAMPLEFORMAT_UINT) &&
            TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
            TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  if (encoders::has_alpha(r)) {
    const std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    ok = ok && TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &extra);
  }
  int photometric = colour ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  switch (compression) {
    case TiffCompression::none:
      ok = ok && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_NONE);
      break;
    case TiffCompression::lzw:
    case TiffCompression::deflate:
      ok = ok &&
           TIFFSetField(
               tif, TIFFTAG_COMPRESSION,
               compression == TiffCompression::lzw ? COMPRESSION_LZW : COMPRESSION_ADOBE_DEFLATE) &&
           TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
      break;
    case TiffCompression::jpeg:
      ok = ok && TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG) &&
           TIFFSetField(tif, TIFFTAG_JPEGQUALITY, std::clamp(quality, 1, 100));
      // YCbCr compresses far better; libtiff's JPEG codec takes it for 3 bands only.
      if (r.bands == 3) {
        photometric = PHOTOMETRIC_YCBCR;
        ok = ok && TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 2, 2);
      }
      break;
  }
  ok = ok && TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric);
  if (photometric == PHOTOMETRIC_YCBCR)
    ok = ok && TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  ok = ok && TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP,
                          rows_per_strip(r, compression == TiffCompression::jpeg));
  if (!meta.icc_profile.empty())
    ok = ok &&
         TIFFSetField(tif, TIFFTAG_ICCPROFILE, static_cast<std::uint32_t>(meta.icc_profile.size()),
                      meta.icc_profile.data());
  if (!meta.xmp.empty())
    ok = ok && TIFFSetField(tif, TIFFTAG_XMLPACKET, static_cast<std::uint32_t>(meta.xmp.size()),
                            meta.xmp.data());
  if (meta.dpi_x > 0 && meta.dpi_y > 0)
    ok = ok && TIFFSetField(tif, TIFFTAG_XRESOLUTION, meta.dpi_x) &&
         TIFFSetField(tif, TIFFTAG_YRESOLUTION, meta.dpi_y) &&
         TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  return ok;
}

}  // namespace

Result<std::string> encode_tiff(const Raster& raster, const EncodeOptions& options,
                                const EncodeMetadata& meta) {
  Raster scratch;
  auto prepared = encoders::prepare_raster(raster, {"TIFF", 0xFFFFFFFF, true, true}, scratch);
  if (!prepared) return prepared.error();
  const Raster& r = **prepared;
  TiffCompression compression = options.tiff_compression;
  // JPEG in TIFF is 8-bit here (libjpeg's 12-bit mode would not hold 16 bits either).
  if (compression == TiffCompression::jpeg && r.type == SampleType::u16)
    compression = TiffCompression::deflate;
  if (meta.icc_profile.size() > 0xFFFFFFFF || meta.xmp.size() > 0xFFFFFFFF)
    return make_error(Errc::internal, "TIFF metadata too large");

  MemoryFile file;
  const bool big = r.data.size() + meta.icc_profile.size() + meta.xmp.size() > bigtiff_threshold;
  std::unique_ptr<TIFFOpenOptions, OptionsFree> opts(TIFFOpenOptionsAlloc());
  if (!opts) return make_error(Errc::internal, "TIFF encoder unavailable");
  TIFFOpenOptionsSetErrorHandlerExtR(opts.get(), on_error, &file);
  TIFFOpenOptionsSetWarningHandlerExtR(opts.get(), on_warning, &file);
  std::unique_ptr<TIFF, TiffClose> tif(TIFFClientOpenExt("output.tif", big ? "w8" : "w", &file,
                                                         on_read, on_write, on_seek, on_close,
                                                         on_size, on_map, on_unmap, opts.get()));
  const auto failed = [&file] {
    return make_error(Errc::internal, "TIFF encoding failed: " + file.error);
  };
  if (!tif) return failed();
  if (!set_tags(tif.get(), r, compression, options.tiff_quality, meta)) return failed();

  // Strips go through a copy: some codecs work in place on the buffer they are given.
  const std::uint32_t rows = rows_per_strip(r, compression == TiffCompression::jpeg);
  std::vector<std::uint8_t> strip(rows * r.row_bytes());
  for (std::int64_t y = 0, s = 0; y < r.height; y += rows, ++s) {
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::int64_t>(rows, r.height - y)) * r.row_bytes();
    std::memcpy(strip.data(), r.row(y), n);
    if (TIFFWriteEncodedStrip(tif.get(), static_cast<std::uint32_t>(s), strip.data(),
                              static_cast<tmsize_t>(n)) < 0)
      return failed();
  }
  if (!TIFFFlush(tif.get())) return failed();
  tif.reset();
  return std::move(file.bytes);
}

}  // namespace tessera
