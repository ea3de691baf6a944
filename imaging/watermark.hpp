#pragma once
// A watermark image blended onto outputs (iipsrv's WATERMARK, WATERMARK_OPACITY and
// WATERMARK_PROBABILITY): each output gets it with the given probability, at a random position
// that keeps it inside the output where it fits. The watermark's own alpha, if any, scales the
// opacity per pixel.

#include <filesystem>
#include <memory>

#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera {

class Watermark {
 public:
  // Reads any image Tessera can open (TIFF, JPEG, JPEG2000), at most 4096 pixels a side.
  static Result<std::shared_ptr<const Watermark>> load(const std::filesystem::path& path,
                                                       double opacity, double probability);
  // For tests: from a working raster (f32 in [0,1], 1 or 3 colour bands, optional alpha plane).
  Watermark(Raster colour, std::vector<float> alpha, double opacity, double probability);

  // Blends onto an 8- or 16-bit output of 1-4 bands (alpha bands are left as they are).
  void apply(Raster& out) const;
  // The same at a chosen position, without the random draw.
  void apply_at(Raster& out, std::int64_t x, std::int64_t y) const;

 private:
  Raster colour_;             // f32, 1 or 3 bands
  std::vector<float> alpha_;  // per pixel, empty: opaque
  double opacity_;
  double probability_;
};

}  // namespace tessera
