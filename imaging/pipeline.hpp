#pragma once
// From a source to the exact pixels a request asks for: choose the pyramid level, read only the
// region needed from it, and scale to the output size. Protocols describe what they want as a
// RenderSpec; every protocol goes through here.

#include <string>

#include "imaging/image_source.hpp"

namespace tessera {

struct RenderSpec {
  Rect region;             // in full-resolution pixels, inside the image, not empty
  std::int64_t width = 0;  // output size in pixels
  std::int64_t height = 0;

  // Identifies the pixels this spec produces, for caches and ETags.
  std::string canonical() const;
};

// Where a region lies in one pyramid level, in that level's (fractional) pixel coordinates.
struct LevelWindow {
  std::size_t level = 0;
  double left = 0, top = 0, right = 0, bottom = 0;
};

// Maps a full-resolution region into level `level`. Pyramids halve each level, so the nominal
// power-of-two scale is used and the image's right/bottom edge maps to the level's edge: this
// keeps viewer tiles an exact crop of the stored level.
LevelWindow map_to_level(const ImageInfo& info, std::size_t level, const Rect& region);

// The smallest level that still has at least the output's resolution (never upscale from a
// smaller level when a larger one exists).
LevelWindow choose_level(const ImageInfo& info, const RenderSpec& spec);

Result<Raster> render(const ImageSource& source, const RenderSpec& spec);

}  // namespace tessera
