// WebP output through libwebp; ICC and XMP chunks are added with libwebpmux.

#include <webp/encode.h>
#include <webp/mux.h>

#include <algorithm>
#include <memory>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

struct PictureFree {
  void operator()(WebPPicture* p) const noexcept { WebPPictureFree(p); }
};
struct WriterClear {
  void operator()(WebPMemoryWriter* w) const noexcept { WebPMemoryWriterClear(w); }
};
struct MuxDelete {
  void operator()(WebPMux* m) const noexcept { WebPMuxDelete(m); }
};
struct DataClear {
  void operator()(WebPData* d) const noexcept { WebPDataClear(d); }
};

// Effort settings chosen for tile-sized images served on demand.
constexpr int lossy_method = 4;
constexpr int lossless_level = 1;

Result<std::string> add_metadata(const std::string& bitstream, const EncodeMetadata& meta) {
  const WebPData image{reinterpret_cast<const std::uint8_t*>(bitstream.data()), bitstream.size()};
  std::unique_ptr<WebPMux, MuxDelete> mux(WebPMuxCreate(&image, 0));
  if (!mux) return make_error(Errc::internal, "WebP metadata could not be added");
  const auto set = [&](const char* fourcc, std::string_view bytes) {
    if (bytes.empty()) return true;
    const WebPData chunk{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
    return WebPMuxSetChunk(mux.get(), fourcc, &chunk, 1) == WEBP_MUX_OK;
  };
  if (!set("ICCP", meta.icc_profile) || !set("XMP ", meta.xmp))
    return make_error(Errc::internal, "WebP metadata could not be added");
  WebPData assembled{};
  const WebPMuxError rc = WebPMuxAssemble(mux.get(), &assembled);
  std::unique_ptr<WebPData, DataClear> owned(&assembled);
  if (rc != WEBP_MUX_OK) return make_error(Errc::internal, "WebP metadata could not be added");
  return std::string(reinterpret_cast<const char*>(assembled.bytes), assembled.size);
}

}  // namespace

Result<std::string> encode_webp(const Raster& raster, const EncodeOptions& options,
                                const EncodeMetadata& meta) {
  Raster scratch;
  auto prepared =
      encoders::prepare_raster(raster, {"WebP", WEBP_MAX_DIMENSION, true, false}, scratch);
  if (!prepared) return prepared.error();
  const Raster* pixels = *prepared;
  Raster colour;
  if (pixels->bands <= 2) {
    colour = encoders::expand_grey(*pixels);
    pixels = &colour;
  }

  WebPConfig config;
  if (!WebPConfigInit(&config)) return make_error(Errc::internal, "WebP encoder unavailable");
  const bool lossless = options.webp_quality < 0;
  if (lossless) {
    WebPConfigLosslessPreset(&config, lossless_level);
    config.exact = 1;  // lossless means every sample, also under transparent pixels
  } else {
    config.quality = static_cast<float>(std::clamp(options.webp_quality, 0, 100));
    config.method = lossy_method;
  }

  WebPPicture picture;
  if (!WebPPictureInit(&picture)) return make_error(Errc::internal, "WebP encoder unavailable");
  std::unique_ptr<WebPPicture, PictureFree> picture_owner(&picture);
  picture.width = static_cast<int>(pixels->width);
  picture.height = static_cast<int>(pixels->height);
  picture.use_argb = lossless ? 1 : 0;
  const int stride = static_cast<int>(pixels->row_bytes());
  const int imported = pixels->bands == 4
                           ? WebPPictureImportRGBA(&picture, pixels->data.data(), stride)
                           : WebPPictureImportRGB(&picture, pixels->data.data(), stride);
  if (!imported) return make_error(Errc::internal, "WebP encoding failed: out of memory");

  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  std::unique_ptr<WebPMemoryWriter, WriterClear> writer_owner(&writer);
  picture.writer = WebPMemoryWrite;
  picture.custom_ptr = &writer;
  if (!WebPEncode(&config, &picture))
    return make_error(Errc::internal,
                      "WebP encoding failed (error " + std::to_string(picture.error_code) + ")");
  std::string bitstream(reinterpret_cast<const char*>(writer.mem), writer.size);
  if (meta.icc_profile.empty() && meta.xmp.empty()) return bitstream;
  return add_metadata(bitstream, meta);
}

}  // namespace tessera
