#pragma once
// JPEG2000 (.jp2 and raw .j2k codestreams) through OpenJPEG. Pyramid levels are the
// codestream's resolution levels; a region read decodes only that area at that level. No
// decoder state is shared between reads, so concurrent reads of one file never wait on a lock.

#include <filesystem>
#include <memory>

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

  std::filesystem::path path_;
  SourceOptions options_;
  ImageInfo info_;
};

}  // namespace tessera
