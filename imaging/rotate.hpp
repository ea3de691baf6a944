#pragma once
// Mirroring and clockwise rotation of rasters of any sample type. Multiples of 90 degrees move
// samples exactly; other angles produce the bounding box of the rotated content, sampled
// bilinearly, with uncovered corners set to `fill` (one value per band, in the raster's own
// sample units).

#include <span>

#include "imaging/raster.hpp"

namespace tessera {

Raster mirror(const Raster& in);  // left-right

// Output size for `degrees`: exact swaps for multiples of 90, else the rounded bounding box.
void rotated_size(std::int64_t width, std::int64_t height, double degrees, std::int64_t& out_width,
                  std::int64_t& out_height) noexcept;

Raster rotate(const Raster& in, double degrees, std::span<const double> fill);

}  // namespace tessera
