#include "imaging/pyramid_writer.hpp"

#include "imaging/tiff_handle.hpp"

#include <tiffio.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace tessera {
namespace {

std::optional<Error> write_level(TIFF* tif, const Raster& img, const PyramidOptions& o,
                                 bool reduced) {
  const auto bands = static_cast<std::uint16_t>(img.bands);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(img.width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(img.height));
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, bands);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(8));
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, static_cast<std::uint16_t>(SAMPLEFORMAT_UINT));
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, static_cast<std::uint16_t>(PLANARCONFIG_CONTIG));
  TIFFSetField(tif, TIFFTAG_TILEWIDTH, o.tile_width);
  TIFFSetField(tif, TIFFTAG_TILELENGTH, o.tile_height);
  if (reduced)
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, static_cast<std::uint32_t>(FILETYPE_REDUCEDIMAGE));
  if (bands == 2 || bands == 4) {
    const std::uint16_t extra = EXTRASAMPLE_UNASSALPHA;
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, static_cast<std::uint16_t>(1), &extra);
  }
  const bool colour = bands >= 3;
  std::uint16_t photometric = colour ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  switch (o.compression) {
    case TiffCompression::none:
      TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_NONE));
      break;
    case TiffCompression::lzw:
      TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_LZW));
      TIFFSetField(tif, TIFFTAG_PREDICTOR, static_cast<std::uint16_t>(PREDICTOR_HORIZONTAL));
      break;
    case TiffCompression::deflate:
      TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_ADOBE_DEFLATE));
      TIFFSetField(tif, TIFFTAG_PREDICTOR, static_cast<std::uint16_t>(PREDICTOR_HORIZONTAL));
      break;
    case TiffCompression::jpeg:
      TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<std::uint16_t>(COMPRESSION_JPEG));
      if (colour && bands == 3 && o.ycbcr) photometric = PHOTOMETRIC_YCBCR;
      break;
  }
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photometric);
  if (o.compression == TiffCompression::jpeg) {
    // Pseudo-tags: set after the photometric so the codec knows what it gets.
    TIFFSetField(tif, TIFFTAG_JPEGQUALITY, o.jpeg_quality);
    if (photometric == PHOTOMETRIC_YCBCR) {
      TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, static_cast<std::uint16_t>(2),
                   static_cast<std::uint16_t>(2));
      TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
  }

  const std::size_t px = img.pixel_bytes();
  std::vector<std::uint8_t> tile(static_cast<std::size_t>(o.tile_width) * o.tile_height * px);
  for (std::int64_t ty = 0; ty < img.height; ty += o.tile_height) {
    for (std::int64_t tx = 0; tx < img.width; tx += o.tile_width) {
      std::fill(tile.begin(), tile.end(), 0);
      const std::int64_t w = std::min<std::int64_t>(o.tile_width, img.width - tx);
      const std::int64_t h = std::min<std::int64_t>(o.tile_height, img.height - ty);
      for (std::int64_t y = 0; y < h; ++y)
        std::copy_n(img.row(ty + y) + static_cast<std::size_t>(tx) * px,
                    static_cast<std::size_t>(w) * px,
                    tile.data() + static_cast<std::size_t>(y) * o.tile_width * px);
      if (TIFFWriteTile(tif, tile.data(), static_cast<std::uint32_t>(tx),
                        static_cast<std::uint32_t>(ty), 0, 0) < 0)
        return make_error(Errc::internal, "cannot write TIFF tile");
    }
  }
  if (!TIFFWriteDirectory(tif)) return make_error(Errc::internal, "cannot write TIFF directory");
  return std::nullopt;
}

}  // namespace

Raster halve(const Raster& in) {
  Raster out((in.width + 1) / 2, (in.height + 1) / 2, in.bands);
  const int bands = in.bands;
  for (std::int64_t y = 0; y < out.height; ++y) {
    const std::int64_t y0 = 2 * y;
    const std::int64_t y1 = std::min(y0 + 1, in.height - 1);
    for (std::int64_t x = 0; x < out.width; ++x) {
      const std::int64_t x0 = 2 * x;
      const std::int64_t x1 = std::min(x0 + 1, in.width - 1);
      for (int b = 0; b < bands; ++b) {
        const int sum = in.row(y0)[x0 * bands + b] + in.row(y0)[x1 * bands + b] +
                        in.row(y1)[x0 * bands + b] + in.row(y1)[x1 * bands + b];
        out.row(y)[x * bands + b] = static_cast<std::uint8_t>((sum + 2) / 4);
      }
    }
  }
  return out;
}

std::optional<Error> write_pyramid_tiff(const std::filesystem::path& path, const Raster& full,
                                        const PyramidOptions& options) {
  if (full.type != SampleType::u8 || full.empty())
    return make_error(Errc::internal, "need a non-empty 8-bit raster");
  TiffPtr tif(TIFFOpen(path.c_str(), "w"));
  if (!tif) return make_error(Errc::internal, "cannot create TIFF file");

  if (auto err = write_level(tif.get(), full, options, false)) return err;
  if (!options.pyramid) return std::nullopt;
  Raster level;
  const Raster* current = &full;
  while (current->width > options.tile_width || current->height > options.tile_height) {
    level = halve(*current);
    if (auto err = write_level(tif.get(), level, options, true)) return err;
    current = &level;
  }
  return std::nullopt;
}

}  // namespace tessera
