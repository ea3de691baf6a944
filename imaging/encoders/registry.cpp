#include "imaging/encoder.hpp"

#include <array>

namespace tessera {

std::span<const OutputFormat> output_formats() {
  static constexpr std::array formats{
      OutputFormat{"jpg", "jpeg", "image/jpeg", false, false, &encode_jpeg},
  };
  return formats;
}

const OutputFormat* find_output_format(std::string_view extension_or_name) {
  for (const OutputFormat& f : output_formats())
    if (f.extension == extension_or_name || f.name == extension_or_name) return &f;
  return nullptr;
}

}  // namespace tessera
