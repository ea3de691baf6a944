#pragma once
// The registry of output formats. Protocol parsers accept a format only if it is listed here,
// and protocol metadata (IIIF info.json, IIP) advertises exactly this list; each entry says
// what the format can hold so the pipeline prepares pixels it can take.

#include <span>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera {

enum class ChromaSubsampling : std::uint8_t { automatic, s444, s422, s420 };
enum class TiffCompression : std::uint8_t { none, lzw, deflate, jpeg };

// Encoder settings; defaults follow iipsrv's where it has the same setting.
struct EncodeOptions {
  int jpeg_quality = 75;  // 1..100
  // automatic: 4:4:4 at quality 90 and above, else 4:2:0
  ChromaSubsampling jpeg_subsampling = ChromaSubsampling::automatic;
  int png_compression = 1;  // zlib level 0..9 (iipsrv PNG_QUALITY)
  int webp_quality = 50;    // 0..100, or -1 for lossless (iipsrv WEBP_QUALITY)
  int avif_quality = 50;    // 0..100, or -1 for lossless (iipsrv AVIF_QUALITY)
  TiffCompression tiff_compression = TiffCompression::deflate;
  int tiff_quality = 75;  // JPEG quality inside TIFF
  // -1: lossless (reversible 5/3 wavelet); 1..100: lossy (irreversible 9/7) at a target PSNR
  // rising linearly from 20 dB at 1 to 60 dB at 100.
  int jp2_quality = -1;

  // Names every setting, for cache keys: outputs made with different options differ.
  std::string key() const;
};

// What the output file carries besides pixels; empty fields are left out.
struct EncodeMetadata {
  std::string_view icc_profile;  // embedded as-is (the pipeline applies the MAX_ICC cap)
  std::string_view xmp;
  double dpi_x = 0, dpi_y = 0;  // 0: unknown
};

// Encoders take u8 (or u16 where `deep`) rasters of 1 (grey), 2 (grey+alpha), 3 (RGB) or
// 4 (RGBA) bands; a format without alpha drops the alpha band.
struct OutputFormat {
  std::string_view extension;  // as in URLs: "jpg"
  std::string_view name;       // as in IIP CVT: "jpeg"
  std::string_view mime_type;
  bool alpha = false;  // can hold an alpha band
  bool deep = false;   // can hold 16-bit samples
  Result<std::string> (*encode)(const Raster&, const EncodeOptions&, const EncodeMetadata&);
};

std::span<const OutputFormat> output_formats();
// By extension ("jpg", "tif") or name ("jpeg", "tiff"), case-sensitive.
const OutputFormat* find_output_format(std::string_view extension_or_name);

Result<std::string> encode_jpeg(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_png(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_webp(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_tiff(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_gif(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_jp2(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_pdf(const Raster&, const EncodeOptions&, const EncodeMetadata&);
Result<std::string> encode_avif(const Raster&, const EncodeOptions&, const EncodeMetadata&);

}  // namespace tessera
