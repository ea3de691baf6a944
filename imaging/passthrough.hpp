#pragma once
// Codec pass-through: when a view is exactly one stored tile and the file already holds that
// tile in the output's codec (JPEG or WebP inside a TIFF), its bytes are sent as they are, made
// into a standalone file, instead of being decoded and encoded again. The result decodes to the
// pixels the normal path would encode and carries the same ICC profile and XMP packet.
//
// Anything unexpected (a damaged tile, a layout these splices do not know) makes the functions
// return nullopt, and the caller takes the normal path.

#include <cstdint>
#include <optional>
#include <string>

#include "imaging/encoder.hpp"
#include "imaging/image_source.hpp"
#include "imaging/pipeline.hpp"
#include "imaging/view.hpp"

namespace tessera {

struct TileAddress {
  std::size_t level = 0;
  std::int64_t x = 0, y = 0;  // in the level's tile grid
};

// The stored tile `view` shows unchanged, if it shows one: the view's window in the level the
// pipeline would choose is one whole tile of a stored level at scale 1 (edge tiles, padded in
// the file, do not qualify), and none of the pipeline's later steps would change its pixels.
std::optional<TileAddress> exact_tile(const ImageInfo& info, const View& view,
                                      const OutputFormat& format, const RenderSettings& settings);

// What the normal path's encoder would embed for this view (mirrors the end of render()).
EncodeMetadata passthrough_metadata(const ImageInfo& info, const View& view, int colour_bands,
                                    const RenderSettings& settings);

// A stored JPEG tile (abbreviated stream plus the level's tables) as a standalone JPEG file of
// `bands` (1 or 3) components. YCbCr and grey tiles get a JFIF APP0 (with the density, as the
// encoder writes it); RGB tiles get an Adobe APP14 with transform 0 instead, so decoders do not
// convert them from YCbCr (the density is then left out: JFIF would imply YCbCr).
std::optional<std::string> standalone_jpeg(const StoredTile& tile, int bands,
                                           const EncodeMetadata& meta);

// A stored WebP tile (libtiff stores a complete RIFF file per tile) checked, and with the ICC
// profile and XMP added in a VP8X container when there are any. `tile` is consumed.
std::optional<std::string> standalone_webp(StoredTile&& tile, bool alpha_allowed,
                                           const EncodeMetadata& meta);

// The whole decision: the pass-through bytes for this request, or nullopt for the normal path.
// `options` are the request's encoder settings, `defaults` the server's: a request's own quality
// asks for a re-encode.
std::optional<std::string> pass_through(const ImageSource& source, const View& view,
                                        const OutputFormat& format, const EncodeOptions& options,
                                        const EncodeOptions& defaults,
                                        const RenderSettings& settings);

}  // namespace tessera
