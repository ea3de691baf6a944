#pragma once
// Writes a tiled pyramidal TIFF: the full image, then levels halved (rounding up) until a level
// fits in one tile, each level a page of the file. Used to make the bundled sample and the test
// images; it is the layout vips and ImageMagick's ptif: write.

#include <filesystem>
#include <optional>

#include "imaging/encoder.hpp"
#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera {

struct PyramidOptions {
  std::uint32_t tile_width = 256;
  std::uint32_t tile_height = 256;
  TiffCompression compression = TiffCompression::deflate;
  int jpeg_quality = 90;
  bool ycbcr = true;    // JPEG only: store YCbCr 4:2:0 (as vips does below q90) instead of RGB
  bool pyramid = true;  // false: a single tiled level
};

// Halves a raster with a 2x2 box filter; odd edges average the pixels that exist.
Raster halve(const Raster& in);

std::optional<Error> write_pyramid_tiff(const std::filesystem::path& path, const Raster& full,
                                        const PyramidOptions& options = {});

}  // namespace tessera
