// tessera-sample: writes the bundled sample image, a tiled JPEG pyramid TIFF of the picture
// that draw_sample_image makes.

#include <charconv>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <iostream>
#include <new>
#include <optional>
#include <string_view>
#include <system_error>

#include "imaging/pyramid_writer.hpp"
#include "tests/support/sample_image.hpp"

namespace {

constexpr std::int64_t kDefaultWidth = 6000;
constexpr std::int64_t kDefaultHeight = 4000;
constexpr std::int64_t kMaxSide = 100000;

int usage(std::ostream& out, int status) {
  out << "usage: tessera-sample OUTPUT.tif [WIDTH HEIGHT]\n"
      << "  Writes a tiled, JPEG-compressed pyramidal TIFF of the Tessera sample picture.\n"
      << "  WIDTH and HEIGHT are whole numbers of pixels from 1 to " << kMaxSide << " (default "
      << kDefaultWidth << " " << kDefaultHeight << ").\n";
  return status;
}

std::optional<std::int64_t> parse_side(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < 1 || value > kMaxSide) return std::nullopt;
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    return usage(std::cout, 0);
  }
  if (argc != 2 && argc != 4) return usage(std::cerr, 2);
  const std::string_view output_arg = argv[1];
  if (output_arg.empty()) return usage(std::cerr, 2);

  std::int64_t width = kDefaultWidth;
  std::int64_t height = kDefaultHeight;
  if (argc == 4) {
    const auto w = parse_side(argv[2]);
    const auto h = parse_side(argv[3]);
    if (!w || !h) {
      std::cerr << "tessera-sample: WIDTH and HEIGHT must be whole numbers from 1 to " << kMaxSide
                << ", got '" << argv[2] << "' and '" << argv[3] << "'\n";
      return usage(std::cerr, 2);
    }
    width = *w;
    height = *h;
  }

  const std::filesystem::path output(output_arg);
  // Written beside the target and renamed into place, so an interrupted run never leaves a
  // half-written image where the server would pick it up.
  std::filesystem::path temp = output;
  temp += ".tmp";
  std::error_code ignored;

  try {
    const tessera::Raster image = tessera::testing::draw_sample_image(width, height);
    const tessera::PyramidOptions options{256, 256, tessera::TiffCompression::jpeg, 88, true, true};
    if (auto err = tessera::write_pyramid_tiff(temp, image, options)) {
      std::filesystem::remove(temp, ignored);
      std::cerr << "tessera-sample: " << err->message << ": " << temp.string() << "\n";
      return 1;
    }
  } catch (const std::bad_alloc&) {
    std::filesystem::remove(temp, ignored);
    std::cerr << "tessera-sample: not enough memory for a " << width << "x" << height << " image\n";
    return 1;
  } catch (const std::exception& e) {
    std::filesystem::remove(temp, ignored);
    std::cerr << "tessera-sample: " << e.what() << "\n";
    return 1;
  }

  std::error_code ec;
  std::filesystem::rename(temp, output, ec);
  if (ec) {
    std::filesystem::remove(temp, ignored);
    std::cerr << "tessera-sample: cannot rename " << temp.string() << " to " << output.string()
              << ": " << ec.message() << "\n";
    return 1;
  }
  std::cout << "wrote " << output_arg << " (" << width << "x" << height << ")\n";
  return 0;
}
