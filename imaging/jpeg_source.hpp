#pragma once
// Plain JPEG files as single-resolution images. Lower levels come from TurboJPEG's DCT scaling
// (1/2, 1/4, 1/8), so a thumbnail of a large JPEG never decodes it at full size.

#include <filesystem>
#include <memory>

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
  JpegSource(std::filesystem::path path, const SourceOptions& options);

  std::filesystem::path path_;
  SourceOptions options_;
  ImageInfo info_;
};

}  // namespace tessera
