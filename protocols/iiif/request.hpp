#pragma once
// IIIF Image API request URLs (versions 2.1 and 3.0): parse() turns the path after the route
// prefix into a request, or a 400 (malformed) / 501 (valid but not implemented) error;
// resolve() applies the spec's region and size rules to one image and yields the view to render;
// canonical() gives the spec's canonical form of a resolved request.

#include <cstdint>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/view.hpp"
#include "protocols/iiif/features.hpp"

namespace tessera::iiif {

struct Region {
  enum class Kind { full, square, pixels, percent } kind = Kind::full;
  double x = 0, y = 0, w = 0, h = 0;
};

struct Size {
  // `full` exists in 2.1 only (the region's size); `max` in both.
  enum class Kind { max, full, width, height, percent, exact, confined } kind = Kind::max;
  bool upscale = false;  // 3.0's '^' prefix; 2.1 allows upscaling without one
  std::int64_t w = 0, h = 0;
  double percent = 0;
};

struct ImageRequest {
  Version version = Version::v3;
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

// `path` is what follows the route and version prefix ("/iiif/3/"), without the query string.
Result<ParsedRequest> parse(std::string_view path, Version version = Version::v3);

// Server limits on output size; 0 means unlimited.
struct Limits {
  std::int64_t max_width = 0;
  std::int64_t max_height = 0;
  std::int64_t max_area = 0;

  // Whether a w x h output is within every limit.
  bool fits(std::int64_t w, std::int64_t h) const noexcept {
    return !(max_width && w > max_width) && !(max_height && h > max_height) &&
           !(max_area && static_cast<__int128>(w) * h > max_area);
  }
};

// The limits actually enforced: the configured ones plus the server's absolute cap on output
// pixels (which bounds memory even when nothing is configured). This is what info.json states.
Limits effective_limits(const Limits& configured);

struct ResolveOptions {
  Limits limits;  // as configured; resolve() adds the absolute cap (effective_limits)
  bool allow_upscaling = true;
};

// Fills in `base` (the server's defaults) with the request's region, size, rotation and quality.
Result<View> resolve(const ImageRequest& request, std::int64_t width, std::int64_t height,
                     const ResolveOptions& options, View base = {});

// "region/size/rotation/quality.format" in the canonical syntax of the request's version, for
// a request that resolve() turned into `view` on an image of `width` x `height`.
std::string canonical(const ImageRequest& request, const View& view, std::int64_t width,
                      std::int64_t height, const Limits& limits);

}  // namespace tessera::iiif
