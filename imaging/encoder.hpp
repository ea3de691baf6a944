#pragma once
// The registry of output formats. Protocol parsers accept a format only if it is listed here,
// and protocol metadata (IIIF info.json) advertises exactly this list.

#include <span>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera {

struct EncodeOptions {
  int jpeg_quality = 75;  // 1..100
};

struct OutputFormat {
  std::string_view extension;  // as in URLs: "jpg"
  std::string_view mime_type;
  Result<std::string> (*encode)(const Raster&, const EncodeOptions&);
};

std::span<const OutputFormat> output_formats();
const OutputFormat* find_output_format(std::string_view extension);

Result<std::string> encode_jpeg(const Raster& raster, const EncodeOptions& options);

}  // namespace tessera
