#pragma once
// Plain JPEG files as single-resolution images. Lower levels come from TurboJPEG's DCT scaling
// (1/2, 1/4, 1/8), so a thumbnail of a large JPEG never decodes it at full size.

#include <cstddef>
#include <filesystem>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "imaging/image_source.hpp"

namespace tessera {

class JpegSource final : public ImageSource {
 public:
  // Reads the header only. `path` is trusted (already confined to the image root).
  static Result<std::shared_ptr<JpegSource>> open(const std::filesystem::path& path,
                                                  const SourceOptions& options);
  ~JpegSource() override;

  const ImageInfo& info() const override { return info_; }

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& region) const override;

 private:
  using Pixels = std::shared_ptr<const Raster>;

  JpegSource(std::filesystem::path path, const SourceOptions& options);

  // A whole decoded level: from the cache, from a decode another thread has under way, or
  // decoded here.
  Result<Pixels> level_pixels(std::size_t level) const;
  Result<Pixels> decode_level(std::size_t level) const;

  std::filesystem::path path_;
  SourceOptions options_;
  ImageInfo info_;
  int jpeg_colourspace_ = 0;  // TJCS_*, to notice a file replaced after open

  // Guards the three members below only; never held while reading or decoding.
  mutable std::mutex mutex_;
  mutable std::list<std::pair<std::size_t, Pixels>> cache_;  // most recently used first
  mutable std::size_t cache_bytes_ = 0;
  mutable std::map<std::size_t, std::shared_future<Result<Pixels>>> decoding_;
};

}  // namespace tessera
