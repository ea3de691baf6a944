#pragma once
// IIIF Image API 3.0 request URLs: parse() turns the path after the route prefix into a
// request, or a 400 (malformed) / 501 (valid but not implemented) error; resolve() applies the
// spec's region and size rules to one image and yields the view to render.

#include <cstdint>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/pipeline.hpp"

namespace tessera::iiif {

struct Region {
  enum class Kind { full, square, pixels, percent } kind = Kind::full;
  double x = 0, y = 0, w = 0, h = 0;
};

struct Size {
  enum class Kind { max, width, height, percent, exact, confined } kind = Kind::max;
  bool upscale = false;  // the '^' prefix
  std::int64_t w = 0, h = 0;
  double percent = 0;
};

struct ImageRequest {
  Region region;
  Size size;
  Rotation rotation;
  std::string quality;
  std::string format;
};

struct ParsedRequest {
  enum class Kind { base, info, image } kind = Kind::base;
  std::string identifier;  // decoded
  ImageRequest image;      // for Kind::image
};

// `path` is what follows "/iiif/", without the query string.
Result<ParsedRequest> parse(std::string_view path);

// Server limits on output size; 0 means unlimited.
struct Limits {
  std::int64_t max_width = 0;
  std::int64_t max_height = 0;
  std::int64_t max_area = 0;
};

// Fills in `base` (the server's defaults) with the request's region, size, rotation and quality.
Result<View> resolve(const ImageRequest& request, std::int64_t width, std::int64_t height,
                     const Limits& limits, View base = {});

}  // namespace tessera::iiif
