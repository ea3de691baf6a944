#include "imaging/encoder.hpp"

#include <array>

namespace tessera {

std::span<const OutputFormat> output_formats() {
  static constexpr std::array formats{
      OutputFormat{"jpg", "image/jpeg", &encode_jpeg},
  };
  return formats;
}

const OutputFormat* find_output_format(std::string_view extension) {
  for (const OutputFormat& f : output_formats())
    if (f.extension == extension) return &f;
  return nullptr;
}

}  // namespace tessera
