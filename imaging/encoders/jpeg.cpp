// JPEG output through TurboJPEG. A tjhandle must not be shared between threads, so each worker
// thread keeps its own. Metadata goes into marker segments spliced in after TurboJPEG's
// SOI/APP0, which TurboJPEG's API does not let us write.

#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"
#include "imaging/encoders/jpeg_segments.hpp"

namespace tessera {
namespace {

using encoders::jfif_segment;
using encoders::metadata_segments;

struct TjDestroy {
  void operator()(void* handle) const noexcept { tjDestroy(handle); }
};
struct TjFree {
  void operator()(unsigned char* buffer) const noexcept { tjFree(buffer); }
};

tjhandle thread_compressor() {
  thread_local std::unique_ptr<void, TjDestroy> handle(tjInitCompress());
  return handle.get();
}

bool is_jfif_app0(const std::string& jpeg) {
  return jpeg.size() >= 20 && static_cast<unsigned char>(jpeg[2]) == 0xFF &&
         static_cast<unsigned char>(jpeg[3]) == 0xE0 && jpeg.compare(6, 5, "JFIF\0", 5) == 0;
}

int tj_subsampling(ChromaSubsampling requested, int quality) {
  switch (requested) {
    case ChromaSubsampling::s444:
      return TJSAMP_444;
    case ChromaSubsampling::s422:
      return TJSAMP_422;
    case ChromaSubsampling::s420:
      return TJSAMP_420;
    case ChromaSubsampling::automatic:
      break;
  }
  return quality >= 90 ? TJSAMP_444 : TJSAMP_420;
}

}  // namespace

Result<std::string> encode_jpeg(const Raster& raster, const EncodeOptions& options,
                                const EncodeMetadata& meta) {
  Raster scratch;
  // libjpeg's JPEG_MAX_DIMENSION, below the 65535 of the frame header.
  auto prepared = encoders::prepare_raster(raster, {"JPEG", 65500, false, false}, scratch);
  if (!prepared) return prepared.error();
  const Raster& pixels = **prepared;
  const bool grey = pixels.bands == 1;
  const int format = grey ? TJPF_GRAY : TJPF_RGB;
  const int subsampling =
      grey ? TJSAMP_GRAY : tj_subsampling(options.jpeg_subsampling, options.jpeg_quality);
  const int quality = std::clamp(options.jpeg_quality, 1, 100);

  tjhandle tj = thread_compressor();
  if (!tj) return make_error(Errc::internal, "JPEG encoder unavailable");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  const int rc =
      tjCompress2(tj, pixels.data.data(), static_cast<int>(pixels.width), 0,
                  static_cast<int>(pixels.height), format, &out, &size, subsampling, quality, 0);
  std::unique_ptr<unsigned char, TjFree> owned(out);
  if (rc != 0 || size < 4) return make_error(Errc::internal, "JPEG encoding failed");
  std::string jpeg(reinterpret_cast<const char*>(owned.get()), size);
  owned.reset();

  const bool dpi = meta.dpi_x > 0 && meta.dpi_y > 0;
  std::string extra = metadata_segments(meta);
  if (!dpi && extra.empty()) return jpeg;
  std::size_t insert_at = 2;  // after SOI
  if (is_jfif_app0(jpeg)) {
    const std::size_t app0_end = 4 + ((std::size_t{static_cast<unsigned char>(jpeg[4])} << 8) |
                                      static_cast<unsigned char>(jpeg[5]));
    insert_at = std::min(app0_end, jpeg.size());
    if (dpi) {
      const std::string app0 = jfif_segment(meta);
      jpeg.replace(2, insert_at - 2, app0);
      insert_at = 2 + app0.size();
    }
  } else if (dpi) {
    extra.insert(0, jfif_segment(meta));
  }
  jpeg.insert(insert_at, extra);
  return jpeg;
}

}  // namespace tessera
