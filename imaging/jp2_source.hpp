#pragma once
// JPEG2000 (.jp2 and raw .j2k codestreams) through OpenJPEG. Pyramid levels are the
// codestream's resolution levels; a region read decodes only that area at that level. No
// decoder state is shared between reads, so concurrent reads of one file never wait on a lock.

#include <cstdint>
#include <filesystem>
#include <memory>
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
  int out_bits_ = 8;   // unsigned components narrower than this are scaled up to it
  bool sycc_ = false;  // YCbCr samples, converted to RGB on read
};

}  // namespace tessera
