#pragma once
// Turns blocks (tiles or strips) decoded by libtiff into Raster samples, for every sample
// layout a TiffDirectory can describe.

#include <cstdint>

#include "imaging/geometry.hpp"
#include "imaging/raster.hpp"
#include "imaging/tiff_directory.hpp"

namespace tessera {

// The Raster sample type a directory decodes to.
SampleType decoded_type(const TiffDirectory& d);

// Bytes of one row of a decoded block `width` pixels wide (one plane when planar-separate).
std::uint64_t block_row_bytes(const TiffDirectory& d, std::uint32_t width);

// Copies the samples of `part` (level coordinates, inside the block whose top-left pixel is
// `block_origin`) from a decoded block into `out`, whose top-left pixel is `out_origin`.
// `plane` is the sample plane for planar-separate data, else 0.
struct DecodedBlock {
  const std::uint8_t* data = nullptr;
  std::uint64_t row_bytes = 0;
  std::int64_t x = 0, y = 0;  // its top-left pixel in the level
  int plane = 0;
};
void copy_block(const TiffDirectory& d, const DecodedBlock& block, const Rect& part,
                std::int64_t out_x, std::int64_t out_y, Raster& out);

// The same for a block read through libtiff's RGBA interface (0xAABBGGRR, bottom row first).
void copy_rgba_block(const std::uint32_t* data, std::int64_t block_w, std::int64_t block_h,
                     std::int64_t block_x, std::int64_t block_y, const Rect& part,
                     std::int64_t out_x, std::int64_t out_y, Raster& out);

}  // namespace tessera
