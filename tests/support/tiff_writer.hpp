#pragma once
// Writes test TIFFs of every layout, compression and sample layout with libtiff, filled with
// values that are a known function of (image, level, x, y, band), so tests can check decoded
// pixels against what was written.

#include <tiffio.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tessera::testing {

enum class TiffLayout {
  pages,           // levels as successive pages (vips, ImageMagick ptif:)
  pages_reversed,  // the same, smallest level first
  subifds,         // levels as SubIFDs of the full page (OME-TIFF, newer vips)
};

struct TiffSpec {
  std::uint32_t width = 300;
  std::uint32_t height = 200;
  int levels = 1;  // stored levels, each halving the previous (rounding up)
  int images = 1;  // separate images of the same size (a stack)
  TiffLayout layout = TiffLayout::pages;
  std::uint32_t tile_width = 64;  // 0: strips
  std::uint32_t tile_height = 64;
  std::uint32_t rows_per_strip = 16;
  std::uint16_t samples = 1;
  std::uint16_t bits = 8;
  std::uint16_t sample_format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t predictor = PREDICTOR_NONE;
  int jpeg_quality = 95;
  std::uint16_t ycbcr_h = 2, ycbcr_v = 2;  // chroma subsampling of YCbCr JPEG
  bool bigtiff = false;
  bool big_endian = false;
  std::vector<std::uint16_t> extra_samples;  // ExtraSamples types, if any
  bool thumbnail = false;     // add a strip page of another aspect ratio, as slide scanners do
  bool sample_range = false;  // write SMinSampleValue/SMaxSampleValue = smin/smax
  double smin = 0, smax = 0;
  std::string icc, xmp;
  float dpi = 0;                       // written as pixels per centimetre, to check the conversion
  std::map<ttag_t, std::string> tags;  // ASCII tags such as TIFFTAG_ARTIST
};

// The value written at (x, y) of band `band` of level `level` of image `image`, in the
// sample's own range: integers wrap within `bits`, signed ones are centred on zero. For
// palette images it is the index, for YCbCr the luma (chroma is neutral), for CMYK the K ink.
double written_value(const TiffSpec& spec, int image, int level, std::int64_t x, std::int64_t y,
                     int band);

// The 16-bit colour map written for palette images: entry i of channel c.
std::uint16_t palette_entry(int c, std::uint32_t i);

// Throws std::runtime_error on failure.
void write_tiff(const std::filesystem::path& path, const TiffSpec& spec);

}  // namespace tessera::testing
