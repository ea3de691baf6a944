#pragma once
// Pyramidal TIFF through libtiff. Pyramid levels are the pages of the file whose size shrinks
// with the same aspect ratio as the first page; other pages (thumbnails, masks, labels) are
// ignored. A libtiff handle is not thread-safe, so each read borrows a handle from a small
// per-file pool and opens another when all are busy.

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "imaging/image_source.hpp"

namespace tessera {

class TiffSource final : public ImageSource {
 public:
  // Reads the header only. `path` is trusted (already confined to the image root).
  static Result<std::shared_ptr<TiffSource>> open(const std::filesystem::path& path,
                                                  const SourceOptions& options = {});
  ~TiffSource() override;

  const ImageInfo& info() const override { return info_; }

  struct Handle;  // one open libtiff handle and the last error its library calls reported

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& region) const override;

 private:
  Result<Raster> decode_tile(std::size_t level, std::int64_t tile_x, std::int64_t tile_y) const;
  struct LevelLayout {
    std::uint16_t directory = 0;
    bool jpeg_ycbcr = false;  // let libtiff's JPEG codec convert YCbCr to RGB
    bool min_is_white = false;
  };

  explicit TiffSource(std::filesystem::path path);
  std::unique_ptr<Handle> acquire() const;
  void release(std::unique_ptr<Handle> handle) const;

  std::filesystem::path path_;
  ImageInfo info_;
  std::vector<LevelLayout> layout_;  // parallel to info_.levels

  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Handle>> idle_;
};

}  // namespace tessera
