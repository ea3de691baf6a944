#pragma once
// JPEG2000 (.jp2 and raw .j2k codestreams) through OpenJPEG. Pyramid levels are the
// codestream's resolution levels. Parsing the main header sets up every tile of the image, so
// decoders with their header read are kept in a bounded process-wide pool; a read of a tiled
// image borrows one (one reader per decoder) and decodes the whole stored tiles it touches.
// Other reads decode just their area with a fresh decoder.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "imaging/image_source.hpp"

namespace tessera {

class Jp2Source final : public ImageSource {
 public:
  // Reads the header only. `path` is trusted (already confined to the image root).
  static Result<std::shared_ptr<Jp2Source>> open(const std::filesystem::path& path,
                                                 const SourceOptions& options);
  ~Jp2Source() override;

  const ImageInfo& info() const override { return info_; }

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& region) const override;

 private:
  Jp2Source(std::filesystem::path path, const SourceOptions& options);

  struct Plan;  // which decoded sample every output pixel takes, per component
  std::optional<Error> read_tiles(std::size_t level, const Plan& plan, Raster& out) const;
  std::optional<Error> read_window(std::size_t level, const Plan& plan, Raster& out) const;

  // What a read needs to know about a component, checked again against every decode.
  struct Component {
    std::uint32_t dx = 1, dy = 1;  // subsampling on the reference grid
    std::uint32_t prec = 8;
    bool sgnd = false;
  };

  std::filesystem::path path_;
  SourceOptions options_;
  ImageInfo info_;
  bool codestream_ = false;                         // a raw .j2k codestream, not a JP2 file
  std::int64_t x0_ = 0, y0_ = 0, x1_ = 0, y1_ = 0;  // the image area on the reference grid
  std::vector<Component> components_;
  // The stored tile grid on the reference grid.
  std::int64_t tile_x0_ = 0, tile_y0_ = 0, tile_w_ = 1, tile_h_ = 1, tiles_x_ = 1, tiles_y_ = 1;
  std::size_t decoder_bytes_ = 0;  // what an idle decoder with its header read holds
  int out_bits_ = 8;               // unsigned components narrower than this are scaled up to it
  bool sycc_ = false;              // YCbCr samples, converted to RGB on read
};

}  // namespace tessera
