#pragma once
// Decoders from each format's own library, so encoder tests never decode with the code under test,
// and the synthetic inputs and comparisons the encoder tests share. Failures are Catch2 REQUIREs.

#include <map>
#include <string>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/raster.hpp"

namespace tessera::testing {

// ---- Inputs and comparisons (u8 and u16 rasters) ----

// Smooth ramps in [0,1] per band; alpha stays above 0.3 so lossy codecs keep the colour.
Raster smooth(int w, int h, int bands, SampleType type = SampleType::u8);

// Values that change in every bit, for lossless checks.
Raster busy(int w, int h, int bands, SampleType type = SampleType::u8);

// The bands `which` of `in`, narrowed to 8 bits (nearest of 256 levels) if `narrow`.
Raster pick(const Raster& in, std::vector<int> which, bool narrow = false);

// Same size, bands, type and every sample.
void require_equal(const Raster& a, const Raster& b);

// Peak signal to noise ratio on the 8-bit scale; 99 when identical.
double psnr(const Raster& a, const Raster& b);

// The output of the named encoder, failing the test on an error.
std::string encode(const char* format, const Raster& r, const EncodeOptions& o = {},
                   const EncodeMetadata& m = {});

// ---- Reference decoders ----

struct Decoded {
  Raster pixels;
  std::string icc, xmp;
  double dpi_x = 0, dpi_y = 0;
  int subsampling = -1;                      // JPEG, a TJSAMP value
  int yuv_format = -1;                       // AVIF, an avifPixelFormat
  int transparent = -1;                      // GIF
  Raster indices;                            // GIF
  std::map<std::string, int> tags;           // TIFF; JPEG 2000 and PDF coding parameters
  std::map<std::string, std::string> names;  // PDF: the image's /ColorSpace and /Filter
  std::vector<double> media_box;             // PDF: the page's /MediaBox
  std::vector<double> image_matrix;          // PDF: the `cm` operands the image is drawn with
};

// Grey or RGB pixels, with ICC, XMP and JFIF density parsed from the marker segments.
Decoded turbojpeg_decode(const std::string& bytes);
// Every layout at 8 or 16 bits, with iCCP, XMP iTXt and pHYs.
Decoded libpng_decode(const std::string& bytes);
// RGB or RGBA, with the ICCP and XMP chunks read through WebPMux.
Decoded libwebp_decode(const std::string& bytes);
// Pixels from whole strips (JPEG as RGB), the tags in `tags`, ICC, XMP and resolution.
Decoded libtiff_decode(const std::string& bytes);
// The single frame's indices and transparent index, and its pixels rendered as RGB.
Decoded giflib_decode(const std::string& bytes);
// RGB or RGBA with 8-bit samples whatever the file's YUV layout, with ICC and XMP.
Decoded libavif_decode(const std::string& bytes);
// Every component (8-bit samples up to 8 bits of precision, else 16), the ICC profile, and in
// `tags`: "alpha" (the component the channel definition box marks as alpha, or -1), "prec",
// "resolutions", "reversible" (1 for the 5/3 wavelet), "tile_w", "tile_h", "tiles".
Decoded openjpeg_decode(const std::string& bytes);
// A minimal PDF reader of its own (xref table, objects, zlib for /FlateDecode): the first page's
// MediaBox, the one image XObject it draws and the matrix it is drawn with, the pixels (grey or
// RGB, with the soft mask appended as an alpha band) and an ICCBased profile. `tags` holds
// "pages", "bpc", "components"; `names` the image's "ColorSpace" and "Filter".
Decoded pdf_decode(const std::string& bytes);

}  // namespace tessera::testing
