#pragma once
// TIFF through libtiff: pyramids stored as pages or as SubIFDs, single-resolution tiled and strip
// files (lower levels computed), stacks of same-size pages, BigTIFF, both byte orders, every
// codec libtiff was built with and every common sample layout (see tiff_directory.hpp).
//
// A libtiff handle is not thread-safe, so each read borrows a handle from a per-file pool and
// opens another when all are busy; idle handles are bounded across all files.

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "cache/lru_cache.hpp"
#include "imaging/image_source.hpp"

namespace tessera {

// The pool of idle libtiff handles shared by all open TIFF images (process-wide counters).
CacheStats tiff_handle_stats();

class TiffSource final : public ImageSource {
 public:
  // Reads the headers only (and, for float images without a stored range, scans the smallest
  // level for it). `path` is trusted (already confined to the image root).
  static Result<std::shared_ptr<TiffSource>> open(const std::filesystem::path& path,
                                                  const SourceOptions& options = {});
  ~TiffSource() override;

  const ImageInfo& info() const override { return info_; }
  Result<StoredTile> read_stored_tile(std::size_t level, std::int64_t tile_x,
                                      std::int64_t tile_y) const override;
  Result<std::shared_ptr<const ImageSource>> stack_image(std::size_t index) const override;

  struct File;    // the open file, its directories and its pool of handles
  struct Handle;  // one libtiff handle and the last error its library calls reported

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& region) const override;

 private:
  TiffSource(std::shared_ptr<File> file, std::size_t image);
  std::optional<Error> build();  // fills info_ from the directories of image_

  std::shared_ptr<File> file_;
  std::size_t image_ = 0;
  ImageInfo info_;
  std::vector<std::size_t> directories_;  // per stored level, its index in the file's list
};

}  // namespace tessera
