#pragma once
// The one interface through which the engine reads pixels. Opening a source reads only its
// header (cheap, cached by the engine); pixels are then read per tile or per region at any
// pyramid level. Implementations must allow concurrent reads from several threads.
//
// A source delivers samples in the file's own type (8/16/32-bit integers, float), unscaled;
// turning them into display pixels is the pipeline's job. Sub-byte samples (1, 2, 4 bits) are
// widened to 8 bits over the full 0..255 range, palettes are expanded to RGB, min-is-white is
// inverted, and CIELAB arrives as 32-bit float L* (0..100), a*, b*.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imaging/error.hpp"
#include "imaging/geometry.hpp"
#include "imaging/raster.hpp"

namespace tessera {

enum class ColourSpace : std::uint8_t { grey, rgb, cielab };

struct LevelInfo {
  std::int64_t width = 0;
  std::int64_t height = 0;
  std::uint32_t tile_width = 0;  // stored tile size; for untiled levels the read block size
  std::uint32_t tile_height = 0;
  // False for levels the file does not hold: they are computed on demand by averaging the
  // nearest stored level above (each level below a stored one halves it, rounding up).
  bool stored = true;
  // Its stored tiles are JPEG or WebP that read_stored_tile() can hand out as they are (checked
  // before reading a tile's bytes, which costs as much as a copy of them).
  bool encoded_tiles = false;
};

struct ImageInfo {
  std::string format;                       // "tiff", "jpeg2000", "jpeg"
  std::vector<LevelInfo> levels;            // levels[0] is the full resolution, then decreasing
  int bands = 0;                            // samples per pixel, alpha included
  int bits_per_sample = 8;                  // as stored in the file (1..64)
  SampleType sample_type = SampleType::u8;  // as delivered by read_region
  ColourSpace colour = ColourSpace::rgb;
  bool has_alpha = false;  // the last band is alpha (associated or not)
  // Per band, the range of the delivered samples: the file's SMin/SMaxSampleValue, else the
  // type's range (the precision's, for odd depths), else, for float, the scanned range.
  std::vector<double> min_values, max_values;
  double dpi_x = 0, dpi_y = 0;  // pixels per inch, 0 when the file does not say
  // CIELAB only: the reference white's chromaticity (x, y); D50 unless the file says otherwise.
  double white_x = 0.3457, white_y = 0.3585;
  std::string icc_profile;                      // the embedded ICC profile's bytes, if any
  std::string xmp;                              // the XMP packet, if any
  std::map<std::string, std::string> metadata;  // descriptive tags (title, rights, ...)
  std::size_t stack_size = 1;   // separate images in the file (a stack), see stack_image()
  std::size_t stack_index = 0;  // which of them this source shows

  std::int64_t width() const noexcept { return levels.empty() ? 0 : levels.front().width; }
  std::int64_t height() const noexcept { return levels.empty() ? 0 : levels.front().height; }
};

// A stored tile's bytes exactly as the file holds them, for pass-through without re-encoding.
struct StoredTile {
  enum class Codec : std::uint8_t { jpeg, webp, other };
  Codec codec = Codec::other;
  std::string data;
  std::string jpeg_tables;  // JPEG only: the level's shared tables (an abbreviated stream)
  bool ycbcr = false;       // JPEG only: the tile holds YCbCr that decoders convert to RGB
  std::int64_t width = 0;   // the stored (padded) tile size
  std::int64_t height = 0;
};

// Settings every source honours.
struct SourceOptions {
  std::size_t max_open_files = 256;  // idle file handles kept open across all images
  int max_layers = 0;                // JPEG2000 quality layers to decode (0: all)
};

class ImageSource {
 public:
  virtual ~ImageSource() = default;

  virtual const ImageInfo& info() const = 0;

  // Any rectangle inside a level (stored or computed). Errors: Errc::internal for a region
  // outside the level, Errc::corrupt_image for damaged data.
  Result<Raster> read_region(std::size_t level, const Rect& region) const;

  // One tile of the level's tile grid, cropped to the level's bounds.
  Result<Raster> read_tile(std::size_t level, std::int64_t tile_x, std::int64_t tile_y) const;

  // The encoded bytes of a stored tile; Errc::not_implemented where the format has none.
  virtual Result<StoredTile> read_stored_tile(std::size_t level, std::int64_t tile_x,
                                              std::int64_t tile_y) const;

  // Image `index` of a stack (0 <= index < info().stack_size); this source is image
  // info().stack_index. Errc::not_found for any other index.
  virtual Result<std::shared_ptr<const ImageSource>> stack_image(std::size_t index) const;

 protected:
  // Pixels of a rectangle inside a stored level (the caller has checked the bounds).
  virtual Result<Raster> read_stored(std::size_t level, const Rect& region) const = 0;
};

// Appends computed levels below the last one, halving (rounding up) until the smallest level
// fits in one tile of the last stored level's tile size.
void add_computed_levels(ImageInfo& info);

// Fills min/max per band with the range of the sample type (or of `bits` for narrower integers).
void set_type_range(ImageInfo& info);

}  // namespace tessera
