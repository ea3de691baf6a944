#pragma once
// From a source to the exact pixels a View asks for (the order of the steps is documented in
// imaging/view.hpp). Every protocol goes through render(); read_scaled() is its first half:
// choose the pyramid level, read only the region needed from it, and scale to the output size.

#include <memory>

#include "imaging/encoder.hpp"
#include "imaging/image_source.hpp"
#include "imaging/parallel.hpp"
#include "imaging/view.hpp"

namespace tessera {

class Watermark;

// Engine-wide settings of the pipeline (from the server's configuration).
struct RenderSettings {
  std::size_t max_icc = 65536;  // larger ICC profiles are not embedded (iipsrv's MAX_ICC); 0: never
  bool embed_xmp = false;       // copy the image's XMP packet into outputs
  std::shared_ptr<const Watermark> watermark;
  Spawn spawn;  // large outputs are read and scaled in strips on these helpers
  unsigned helpers = 0;
  // Split outputs whose source window is at most this large read it once, then resample the
  // strips in parallel; larger windows are read strip by strip (bounded memory).
  std::int64_t whole_window_bytes = 256 << 20;
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
LevelWindow choose_level(const ImageInfo& info, const View& view);

// Steps 1-2: view.region at view.width x view.height, in the source's sample type and bands.
Result<Raster> read_scaled(const ImageSource& source, const View& view,
                           const RenderSettings& settings = {});

struct Rendered {
  Raster pixels;  // u8 (or u16 for 16-bit views in deep formats), 1-4 bands
  // What the encoder embeds; the strings belong to the source's header (keep the source alive).
  EncodeMetadata metadata;
};

Result<Rendered> render(const ImageSource& source, const View& view, const OutputFormat& format,
                        const RenderSettings& settings = {});

}  // namespace tessera
