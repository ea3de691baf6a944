// JPEG output through TurboJPEG. A tjhandle must not be shared between threads, so each worker
// thread keeps its own.

#include <turbojpeg.h>

#include <memory>

#include "imaging/encoder.hpp"

namespace tessera {
namespace {

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

// JPEG has no alpha: keep the colour (or grey) bands only.
Raster drop_alpha(const Raster& in, int keep) {
  Raster out(in.width, in.height, keep);
  const std::size_t n = static_cast<std::size_t>(in.width * in.height);
  for (std::size_t i = 0; i < n; ++i)
    for (int b = 0; b < keep; ++b) out.data[i * keep + b] = in.data[i * in.bands + b];
  return out;
}

}  // namespace

Result<std::string> encode_jpeg(const Raster& raster, const EncodeOptions& options,
                                const EncodeMetadata&) {
  if (raster.type != SampleType::u8) return make_error(Errc::internal, "JPEG needs 8-bit samples");
  if (raster.width > 65535 || raster.height > 65535)
    return make_error(Errc::bad_request, "JPEG output is limited to 65535 pixels per side");

  const Raster* pixels = &raster;
  Raster converted;
  int format = TJPF_RGB;
  switch (raster.bands) {
    case 1:
      format = TJPF_GRAY;
      break;
    case 2:
      converted = drop_alpha(raster, 1);
      pixels = &converted;
      format = TJPF_GRAY;
      break;
    case 3:
      format = TJPF_RGB;
      break;
    case 4:
      format = TJPF_RGBX;
      break;
    default:
      converted = drop_alpha(raster, 3);
      pixels = &converted;
      format = TJPF_RGB;
      break;
  }
  const int subsampling =
      format == TJPF_GRAY ? TJSAMP_GRAY : (options.jpeg_quality >= 90 ? TJSAMP_444 : TJSAMP_420);

  tjhandle tj = thread_compressor();
  if (!tj) return make_error(Errc::internal, "JPEG encoder unavailable");
  unsigned char* out = nullptr;
  unsigned long size = 0;
  const int rc = tjCompress2(tj, pixels->data.data(), static_cast<int>(pixels->width), 0,
                             static_cast<int>(pixels->height), format, &out, &size, subsampling,
                             options.jpeg_quality, 0);
  std::unique_ptr<unsigned char, TjFree> owned(out);
  if (rc != 0) return make_error(Errc::internal, "JPEG encoding failed");
  return std::string(reinterpret_cast<const char*>(owned.get()), size);
}

}  // namespace tessera
