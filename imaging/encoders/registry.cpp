#include "imaging/encoder.hpp"

#include <array>

namespace tessera {

std::span<const OutputFormat> output_formats() {
  static constexpr std::array formats{
      OutputFormat{"jpg", "jpeg", "image/jpeg", false, false, &encode_jpeg},
      OutputFormat{"png", "png", "image/png", true, true, &encode_png},
      OutputFormat{"webp", "webp", "image/webp", true, false, &encode_webp},
      OutputFormat{"tif", "tiff", "image/tiff", true, true, &encode_tiff},
      // GIF's alpha is 1-bit transparency.
      OutputFormat{"gif", "gif", "image/gif", true, false, &encode_gif},
      OutputFormat{"jp2", "jp2", "image/jp2", true, true, &encode_jp2},
      // PDF keeps alpha as a soft mask; libharu takes 8-bit samples only.
      OutputFormat{"pdf", "pdf", "application/pdf", true, false, &encode_pdf},
      OutputFormat{"avif", "avif", "image/avif", true, false, &encode_avif},
  };
  return formats;
}

std::string EncodeOptions::key() const {
  std::string k;
  for (int v : {jpeg_quality, static_cast<int>(jpeg_subsampling), png_compression, webp_quality,
                avif_quality, static_cast<int>(tiff_compression), tiff_quality, jp2_quality}) {
    k += std::to_string(v);
    k += ',';
  }
  return k;
}

const OutputFormat* find_output_format(std::string_view extension_or_name) {
  for (const OutputFormat& f : output_formats())
    if (f.extension == extension_or_name || f.name == extension_or_name) return &f;
  return nullptr;
}

}  // namespace tessera
