// AVIF output through libavif with whichever AV1 encoder it was built with. 8-bit only: tiles
// are served for display, and 10/12-bit AV1 costs encoder time without a visible gain there.

#include <avif/avif.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

struct ImageDestroy {
  void operator()(avifImage* image) const noexcept { avifImageDestroy(image); }
};
struct EncoderDestroy {
  void operator()(avifEncoder* encoder) const noexcept { avifEncoderDestroy(encoder); }
};
struct DataFree {
  void operator()(avifRWData* data) const noexcept { avifRWDataFree(data); }
};

// Tiles are small and requests already run in parallel: one thread, a fast preset.
constexpr int encoder_speed = 9;

// libavif 1.0's mapping of quality 0..100 onto the AV1 quantizer 63..0.
int quantizer_for(int quality) {
  return ((100 - std::clamp(quality, 0, 100)) * AVIF_QUANTIZER_WORST_QUALITY + 50) / 100;
}

// Grey goes into a luma-only image as it is: exact, and no chroma to encode.
avifResult fill_grey(avifImage* image, const Raster& r) {
  const bool alpha = encoders::has_alpha(r);
  avifResult rc = avifImageAllocatePlanes(image, alpha ? AVIF_PLANES_ALL : AVIF_PLANES_YUV);
  if (rc != AVIF_RESULT_OK) return rc;
  for (std::int64_t y = 0; y < r.height; ++y) {
    const std::uint8_t* src = r.row(y);
    std::uint8_t* luma = image->yuvPlanes[AVIF_CHAN_Y] + y * image->yuvRowBytes[AVIF_CHAN_Y];
    std::uint8_t* a = alpha ? image->alphaPlane + y * image->alphaRowBytes : nullptr;
    for (std::int64_t x = 0; x < r.width; ++x, src += r.bands) {
      luma[x] = src[0];
      if (a) a[x] = src[1];
    }
  }
  return AVIF_RESULT_OK;
}

Error failure(avifResult rc) {
  if (rc == AVIF_RESULT_NO_CODEC_AVAILABLE)
    return make_error(Errc::not_implemented, "AVIF encoding is not available");
  return make_error(Errc::internal, std::string("AVIF encoding failed: ") + avifResultToString(rc));
}

}  // namespace

Result<std::string> encode_avif(const Raster& raster, const EncodeOptions& options,
                                const EncodeMetadata& meta) {
  if (!avifCodecName(AVIF_CODEC_CHOICE_AUTO, AVIF_CODEC_FLAG_CAN_ENCODE))
    return make_error(Errc::not_implemented, "AVIF encoding is not available");
  Raster scratch;
  // AV1 codes frame sizes in 16 bits.
  auto prepared = encoders::prepare_raster(raster, {"AVIF", 65535, true, false}, scratch);
  if (!prepared) return prepared.error();
  const Raster& r = **prepared;

  const bool lossless = options.avif_quality < 0;
  const bool grey = r.bands <= 2;
  avifPixelFormat format = AVIF_PIXEL_FORMAT_YUV444;
  if (grey)
    format = AVIF_PIXEL_FORMAT_YUV400;
  else if (!lossless && options.avif_quality < 90)
    format = AVIF_PIXEL_FORMAT_YUV420;
  std::unique_ptr<avifImage, ImageDestroy> image(avifImageCreate(
      static_cast<std::uint32_t>(r.width), static_cast<std::uint32_t>(r.height), 8, format));
  if (!image) return make_error(Errc::internal, "AVIF encoding failed: out of memory");
  image->yuvRange = AVIF_RANGE_FULL;
  image->colorPrimaries = AVIF_COLOR_PRIMARIES_BT709;
  image->transferCharacteristics = AVIF_TRANSFER_CHARACTERISTICS_SRGB;
  // Identity keeps RGB as G, B, R planes, which is what makes lossless exact.
  image->matrixCoefficients =
      lossless && !grey ? AVIF_MATRIX_COEFFICIENTS_IDENTITY : AVIF_MATRIX_COEFFICIENTS_BT601;
  if (!meta.icc_profile.empty())
    avifImageSetProfileICC(image.get(),
                           reinterpret_cast<const std::uint8_t*>(meta.icc_profile.data()),
                           meta.icc_profile.size());
  if (!meta.xmp.empty())
    avifImageSetMetadataXMP(image.get(), reinterpret_cast<const std::uint8_t*>(meta.xmp.data()),
                            meta.xmp.size());

  avifResult rc = AVIF_RESULT_OK;
  if (grey) {
    rc = fill_grey(image.get(), r);
  } else {
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image.get());
    rgb.format = r.bands == 4 ? AVIF_RGB_FORMAT_RGBA : AVIF_RGB_FORMAT_RGB;
    rgb.pixels = const_cast<std::uint8_t*>(r.data.data());  // only read
    rgb.rowBytes = static_cast<std::uint32_t>(r.row_bytes());
    rc = avifImageRGBToYUV(image.get(), &rgb);
  }
  if (rc != AVIF_RESULT_OK) return failure(rc);

  std::unique_ptr<avifEncoder, EncoderDestroy> encoder(avifEncoderCreate());
  if (!encoder) return make_error(Errc::internal, "AVIF encoding failed: out of memory");
  encoder->maxThreads = 1;
  encoder->speed = encoder_speed;
  const int q = lossless ? AVIF_QUANTIZER_LOSSLESS : quantizer_for(options.avif_quality);
  encoder->minQuantizer = encoder->maxQuantizer = q;
  encoder->minQuantizerAlpha = encoder->maxQuantizerAlpha = q;

  avifRWData output = AVIF_DATA_EMPTY;
  std::unique_ptr<avifRWData, DataFree> owned(&output);
  rc = avifEncoderWrite(encoder.get(), image.get(), &output);
  if (rc != AVIF_RESULT_OK) return failure(rc);
  return std::string(reinterpret_cast<const char*>(output.data), output.size);
}

}  // namespace tessera
