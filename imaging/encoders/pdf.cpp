// PDF output through libharu: one page the size of the image at its resolution, holding the
// pixels losslessly as a Flate-compressed image XObject, alpha as a soft mask and the ICC
// profile as an ICCBased colour space when it describes the image's bands. XMP is left out.
//
// Concurrency: libharu keeps its state in the document, and each call makes its own. The only
// writable global in the library belongs to its CCITT fax encoder, which this file never uses.
// Errors: libharu calls the handler and returns an error code; nothing longjmps.

#include <hpdf.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <type_traits>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

// PDF integers are 32-bit (ISO 32000-1, Annex C), which bounds /Width and /Height.
constexpr std::int64_t max_side = 0x7FFFFFFF;
// libharu counts stream and file sizes in 32 bits and holds the whole file in memory: 2 GiB of
// samples keeps the compressed image and the file within that.
constexpr std::uint64_t max_sample_bytes = std::uint64_t{1} << 31;
// Page sides in points that libharu and viewers accept (ISO 32000-1, Annex C).
constexpr double min_page = 3, max_page = 14400;

struct Failure {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = 0;
};

// Keeps the first error: later ones are usually its consequences.
void on_error(HPDF_STATUS error, HPDF_STATUS detail, void* user) {
  auto* failure = static_cast<Failure*>(user);
  if (failure->error != HPDF_OK) return;
  failure->error = error;
  failure->detail = detail;
}

struct DocFree {
  void operator()(HPDF_Doc doc) const noexcept { HPDF_Free(doc); }
};

Error failed(const Failure& f) {
  if (f.error == HPDF_FAILD_TO_ALLOC_MEM)
    return make_error(Errc::internal, "PDF encoding failed: out of memory");
  char code[64];
  std::snprintf(code, sizeof code, "libharu error 0x%04X, detail %u",
                static_cast<unsigned>(f.error), static_cast<unsigned>(f.detail));
  return make_error(Errc::internal, std::string("PDF encoding failed (") + code + ")");
}

struct PageSize {
  HPDF_REAL width, height;  // points
};

// The image at its resolution, 72 dpi (a pixel a point) when that is unknown. A page outside
// the accepted sides is scaled uniformly into them, which changes only the printed size; beyond
// an aspect ratio of 4800:1 no scale fits and the short side is held at the minimum.
PageSize page_size(const Raster& r, const EncodeMetadata& meta) {
  double w = static_cast<double>(r.width), h = static_cast<double>(r.height);
  if (meta.dpi_x > 0 && meta.dpi_y > 0) {
    const double dw = w * 72 / meta.dpi_x, dh = h * 72 / meta.dpi_y;
    if (std::isfinite(dw) && std::isfinite(dh) && dw > 0 && dh > 0) w = dw, h = dh;
  }
  const double longer = std::max(w, h), shorter = std::min(w, h);
  double scale = 1;
  if (longer > max_page)
    scale = max_page / longer;
  else if (shorter < min_page)
    scale = std::min(min_page / shorter, max_page / longer);
  return {static_cast<HPDF_REAL>(std::clamp(w * scale, min_page, max_page)),
          static_cast<HPDF_REAL>(std::clamp(h * scale, min_page, max_page))};
}

// PDF keeps alpha in its own image: the colour bands and the alpha band as separate buffers.
void split_alpha(const Raster& r, std::vector<std::uint8_t>& colour,
                 std::vector<std::uint8_t>& alpha) {
  const std::size_t n = static_cast<std::size_t>(r.width * r.height);
  const int colour_bands = r.bands - 1;
  colour.resize(n * static_cast<std::size_t>(colour_bands));
  alpha.resize(n);
  const std::uint8_t* src = r.data.data();
  std::uint8_t* dst = colour.data();
  for (std::size_t i = 0; i < n; ++i, src += r.bands, dst += colour_bands) {
    for (int b = 0; b < colour_bands; ++b) dst[b] = src[b];
    alpha[i] = src[colour_bands];
  }
}

// An ICCBased space must match the image's components: the profile header names its colour
// space at byte 16.
bool profile_fits(std::string_view icc, int colour_bands) {
  if (icc.size() < 128 || icc.size() > 0x7FFFFFFF) return false;
  return icc.substr(16, 4) == (colour_bands == 1 ? "GRAY" : "RGB ");
}

// The profile as an ICCBased colour space on `image`.
void add_profile(HPDF_Doc pdf, HPDF_Image image, std::string_view icc, int colour_bands) {
  HPDF_Dict stream = HPDF_DictStream_New(pdf->mmgr, pdf->xref);
  if (!stream) return;
  stream->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
  HPDF_Dict_AddNumber(stream, "N", colour_bands);
  HPDF_Dict_AddName(stream, "Alternate", colour_bands == 1 ? "DeviceGray" : "DeviceRGB");
  HPDF_Stream_Write(stream->stream, reinterpret_cast<const HPDF_BYTE*>(icc.data()),
                    static_cast<HPDF_UINT>(icc.size()));
  HPDF_Array space = HPDF_Array_New(pdf->mmgr);
  if (!space) return;
  HPDF_Array_AddName(space, "ICCBased");
  HPDF_Array_Add(space, stream);
  HPDF_Image_SetColorSpace(image, space);
}

}  // namespace

Result<std::string> encode_pdf(const Raster& raster, const EncodeOptions&,
                               const EncodeMetadata& meta) {
  // Before the raster is checked or converted, so an oversized request costs nothing. Sides are
  // at most 2^31 here, so w * h cannot overflow.
  if (raster.width > 0 && raster.height > 0 && raster.width <= max_side &&
      raster.height <= max_side && raster.bands >= 1 && raster.bands <= 4 &&
      static_cast<std::uint64_t>(raster.width * raster.height) > max_sample_bytes / raster.bands)
    return make_error(Errc::bad_request, "PDF output is limited to 2 GiB of samples");
  Raster scratch;
  auto prepared = encoders::prepare_raster(raster, {"PDF", max_side, true, false}, scratch);
  if (!prepared) return prepared.error();
  const Raster& r = **prepared;
  const bool alpha = encoders::has_alpha(r);
  const int colour_bands = alpha ? r.bands - 1 : r.bands;
  std::vector<std::uint8_t> colour_plane, alpha_plane;
  if (alpha) split_alpha(r, colour_plane, alpha_plane);
  const HPDF_BYTE* colour = alpha ? colour_plane.data() : r.data.data();
  const auto width = static_cast<HPDF_UINT>(r.width);
  const auto height = static_cast<HPDF_UINT>(r.height);

  Failure failure;
  const std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocFree> doc(HPDF_New(on_error, &failure));
  if (!doc) return make_error(Errc::internal, "PDF encoder unavailable");
  HPDF_Doc pdf = doc.get();
  const auto ok = [&] { return failure.error == HPDF_OK; };
  pdf->pdf_version = HPDF_VER_14;  // soft masks need 1.4; libharu declares 1.2 otherwise
  HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
  HPDF_Page page = HPDF_AddPage(pdf);
  if (!ok() || !page) return failed(failure);
  const PageSize size = page_size(r, meta);
  HPDF_Page_SetWidth(page, size.width);
  HPDF_Page_SetHeight(page, size.height);

  const HPDF_ColorSpace space = colour_bands == 1 ? HPDF_CS_DEVICE_GRAY : HPDF_CS_DEVICE_RGB;
  HPDF_Image image = HPDF_LoadRawImageFromMem(pdf, colour, width, height, space, 8);
  if (!ok() || !image) return failed(failure);
  if (alpha) {
    HPDF_Image mask =
        HPDF_LoadRawImageFromMem(pdf, alpha_plane.data(), width, height, HPDF_CS_DEVICE_GRAY, 8);
    if (!ok() || !mask) return failed(failure);
    HPDF_Image_AddSMask(image, mask);
  }
  if (profile_fits(meta.icc_profile, colour_bands))
    add_profile(pdf, image, meta.icc_profile, colour_bands);
  HPDF_Page_DrawImage(page, image, 0, 0, size.width, size.height);
  HPDF_SaveToStream(pdf);
  if (!ok()) return failed(failure);

  std::string out;
  try {
    out.resize(HPDF_GetStreamSize(pdf));
  } catch (...) {
    return make_error(Errc::internal, "PDF encoding failed: out of memory");
  }
  HPDF_UINT32 got = static_cast<HPDF_UINT32>(out.size());
  // Reading the whole stream reports its end (through the handler too), which is success.
  const HPDF_STATUS rc = HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(out.data()), &got);
  if ((rc != HPDF_OK && rc != HPDF_STREAM_EOF) || got != out.size() || out.empty())
    return failed(failure);
  return out;
}

}  // namespace tessera
