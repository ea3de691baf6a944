// JPEG 2000 (JP2) output through OpenJPEG, written tile by tile into memory: OpenJPEG holds one
// tile's samples at a time rather than a 32-bit copy of the whole image. The JP2 header carries
// the ICC profile when there is one (see embed_profile); DPI and XMP are left out, as OpenJPEG
// writes neither resolution nor XML boxes.

#include <openjpeg.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

// 1024-pixel tiles bound OpenJPEG's working memory and are the layout IIIF servers read JP2
// sources fastest in, so a saved file serves well again. Smaller images are one tile.
constexpr std::uint32_t tile_side = 1024;
// Five decomposition levels, the default of OpenJPEG and Kakadu.
constexpr OPJ_UINT32 max_resolutions = 6;
// Far above any output the server is configured to make, and keeps a file to at most 64x64
// tiles, well inside the 16-bit tile index of the SOT marker.
constexpr std::int64_t max_side = 65535;
// Write-buffer size; OpenJPEG's default of 1 MiB is more than a tile-sized file.
constexpr OPJ_SIZE_T stream_chunk = 64 * 1024;
// Box lengths are 32-bit; a profile this size is far beyond any real one.
constexpr std::size_t max_profile = std::size_t{1} << 30;
// OpenJPEG's messages are kept for the error, up to this many characters.
constexpr std::size_t max_message = 400;

// The output and OpenJPEG's messages. The JP2 writer seeks back to fill in box lengths, so
// writes land at `pos`, not always at the end.
struct Sink {
  std::string bytes;
  std::size_t pos = 0;
  std::string messages;
};

OPJ_SIZE_T on_write(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  try {
    if (sink->pos + n > sink->bytes.size()) sink->bytes.resize(sink->pos + n);
  } catch (...) {
    return static_cast<OPJ_SIZE_T>(-1);  // OpenJPEG's failure value
  }
  std::memcpy(sink->bytes.data() + sink->pos, buffer, n);
  sink->pos += n;
  return n;
}

OPJ_OFF_T on_skip(OPJ_OFF_T n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (n < 0 && static_cast<std::size_t>(-n) > sink->pos) return -1;
  sink->pos = static_cast<std::size_t>(static_cast<OPJ_OFF_T>(sink->pos) + n);
  return n;
}

OPJ_BOOL on_seek(OPJ_OFF_T to, void* user) {
  if (to < 0) return OPJ_FALSE;
  static_cast<Sink*>(user)->pos = static_cast<std::size_t>(to);
  return OPJ_TRUE;
}

void on_message(const char* message, void* user) {
  std::string& all = static_cast<Sink*>(user)->messages;
  if (all.size() >= max_message) return;
  std::string_view m(message);
  while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.remove_suffix(1);
  try {
    if (!all.empty()) all += "; ";
    all.append(m.substr(0, max_message - std::min(all.size(), max_message)));
  } catch (...) {
  }
}

void on_info(const char*, void*) {}

struct CodecDestroy {
  void operator()(opj_codec_t* c) const noexcept { opj_destroy_codec(c); }
};
struct StreamDestroy {
  void operator()(opj_stream_t* s) const noexcept { opj_stream_destroy(s); }
};
struct ImageDestroy {
  void operator()(opj_image_t* image) const noexcept { opj_image_destroy(image); }
};

// Each resolution level must be at least 1 pixel on the tile's shorter side.
OPJ_UINT32 resolutions_for(std::uint32_t shorter_side) {
  OPJ_UINT32 n = 1;
  while (n < max_resolutions && (std::uint32_t{1} << n) <= shorter_side) ++n;
  return n;
}

// Quality 1..100 as a target PSNR of 20..60 dB, which OpenJPEG's fixed-quality rate allocation
// reaches by dropping the least useful coding passes.
float target_psnr(int quality) {
  return 20.0f + 40.0f * static_cast<float>(std::clamp(quality, 1, 100) - 1) / 99.0f;
}

// One tile's samples as OpenJPEG takes them: one plane per component, rows packed.
template <class T>
void fill_tile(const Raster& r, std::uint32_t x0, std::uint32_t y0, std::uint32_t w,
               std::uint32_t h, std::vector<T>& tile) {
  const int bands = r.bands;
  const std::size_t plane = std::size_t{w} * h;
  tile.resize(plane * static_cast<std::size_t>(bands));
  for (std::uint32_t y = 0; y < h; ++y) {
    const T* src = reinterpret_cast<const T*>(r.row(y0 + y)) + std::size_t{x0} * bands;
    T* dst = tile.data() + std::size_t{y} * w;
    for (std::uint32_t x = 0; x < w; ++x, src += bands)
      for (int c = 0; c < bands; ++c) dst[c * plane + x] = src[c];
  }
}

template <class T>
bool write_tiles(opj_codec_t* codec, opj_stream_t* stream, const Raster& r) {
  const auto width = static_cast<std::uint32_t>(r.width);
  const auto height = static_cast<std::uint32_t>(r.height);
  std::vector<T> tile;
  OPJ_UINT32 index = 0;
  for (std::uint32_t y = 0; y < height; y += tile_side)
    for (std::uint32_t x = 0; x < width; x += tile_side, ++index) {
      const std::uint32_t w = std::min(tile_side, width - x);
      const std::uint32_t h = std::min(tile_side, height - y);
      fill_tile(r, x, y, w, h, tile);
      const auto size = static_cast<OPJ_UINT32>(tile.size() * sizeof(T));
      if (!opj_write_tile(codec, index, reinterpret_cast<OPJ_BYTE*>(tile.data()), size, stream))
        return false;
    }
  return true;
}

std::uint32_t be32(const std::string& s, std::size_t at) {
  std::uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v = v << 8 | static_cast<unsigned char>(s[at + k]);
  return v;
}

void put_be32(std::string& s, std::size_t at, std::size_t v) {
  for (int k = 0; k < 4; ++k) s[at + k] = static_cast<char>(v >> (24 - 8 * k));
}

// OpenJPEG 2.5.0 cannot write an ICC profile (its JP2 writer asserts when given one), so the
// enumerated colour box it wrote inside the header box is replaced by one holding the profile
// (METH 2, ISO 15444-1 I.5.3.3). Boxes hold no absolute offsets: growing one moves nothing that
// another refers to.
bool embed_profile(std::string& jp2, std::string_view icc) {
  for (std::size_t at = 0; at + 8 <= jp2.size();) {
    const std::uint32_t length = be32(jp2, at);
    if (length < 8 || length > jp2.size() - at) return false;
    if (jp2.compare(at + 4, 4, "jp2h") != 0) {
      at += length;
      continue;
    }
    for (std::size_t box = at + 8; box + 8 <= at + length;) {
      const std::uint32_t size = be32(jp2, box);
      if (size < 8 || size > at + length - box) return false;
      if (jp2.compare(box + 4, 4, "colr") == 0) {
        std::string colr(11, '\0');  // length, type, METH, PREC, APPROX
        put_be32(colr, 0, colr.size() + icc.size());
        colr.replace(4, 4, "colr");
        colr[8] = 2;
        colr.append(icc);
        jp2.replace(box, size, colr);
        put_be32(jp2, at, length - size + colr.size());
        return true;
      }
      box += size;
    }
    return false;
  }
  return false;
}

Error failure(const Sink& sink) {
  return make_error(Errc::internal, "JPEG 2000 encoding failed" +
                                        (sink.messages.empty() ? "" : ": " + sink.messages));
}

}  // namespace

Result<std::string> encode_jp2(const Raster& raster, const EncodeOptions& options,
                               const EncodeMetadata& meta) {
  Raster scratch;
  auto prepared = encoders::prepare_raster(raster, {"JPEG 2000", max_side, true, true}, scratch);
  if (!prepared) return prepared.error();
  const Raster& r = **prepared;
  if (meta.icc_profile.size() > max_profile)
    return make_error(Errc::internal, "JPEG 2000 metadata too large");
  const auto width = static_cast<std::uint32_t>(r.width);
  const auto height = static_cast<std::uint32_t>(r.height);
  const bool deep = r.type == SampleType::u16;

  opj_cparameters_t params;
  opj_set_default_encoder_parameters(&params);
  params.tile_size_on = OPJ_TRUE;
  params.cp_tdx = static_cast<int>(std::min(width, tile_side));
  params.cp_tdy = static_cast<int>(std::min(height, tile_side));
  params.numresolution = static_cast<int>(resolutions_for(std::min(
      static_cast<std::uint32_t>(params.cp_tdx), static_cast<std::uint32_t>(params.cp_tdy))));
  params.tcp_numlayers = 1;
  params.tcp_mct = r.bands >= 3 ? 1 : 0;  // RGB as YCC: reversible for lossless, else ICT
  if (options.jp2_quality < 0) {
    params.irreversible = 0;
    params.tcp_rates[0] = 0;  // every coding pass
    params.cp_disto_alloc = 1;
  } else {
    params.irreversible = 1;
    params.tcp_distoratio[0] = target_psnr(options.jp2_quality);
    params.cp_fixed_quality = 1;
  }

  std::array<opj_image_cmptparm_t, 4> components{};
  for (int c = 0; c < r.bands; ++c) {
    components[c].dx = components[c].dy = 1;
    components[c].w = width;
    components[c].h = height;
    components[c].prec = deep ? 16 : 8;
  }
  const std::unique_ptr<opj_image_t, ImageDestroy> image(
      opj_image_tile_create(static_cast<OPJ_UINT32>(r.bands), components.data(),
                            r.bands >= 3 ? OPJ_CLRSPC_SRGB : OPJ_CLRSPC_GRAY));
  if (!image) return make_error(Errc::internal, "JPEG 2000 encoding failed: out of memory");
  image->x1 = width;
  image->y1 = height;
  // Marks the last band as alpha in a channel definition box, for viewers.
  if (encoders::has_alpha(r)) image->comps[r.bands - 1].alpha = 1;

  Sink sink;
  const std::unique_ptr<opj_codec_t, CodecDestroy> codec(opj_create_compress(OPJ_CODEC_JP2));
  if (!codec) return make_error(Errc::internal, "JPEG 2000 encoder unavailable");
  opj_set_error_handler(codec.get(), on_message, &sink);
  opj_set_warning_handler(codec.get(), on_message, &sink);
  opj_set_info_handler(codec.get(), on_info, nullptr);
  if (!opj_setup_encoder(codec.get(), &params, image.get())) return failure(sink);

  const std::unique_ptr<opj_stream_t, StreamDestroy> stream(
      opj_stream_create(stream_chunk, OPJ_FALSE));
  if (!stream) return make_error(Errc::internal, "JPEG 2000 encoding failed: out of memory");
  opj_stream_set_user_data(stream.get(), &sink, nullptr);
  opj_stream_set_write_function(stream.get(), on_write);
  opj_stream_set_skip_function(stream.get(), on_skip);
  opj_stream_set_seek_function(stream.get(), on_seek);

  if (!opj_start_compress(codec.get(), image.get(), stream.get())) return failure(sink);
  const bool written = deep ? write_tiles<std::uint16_t>(codec.get(), stream.get(), r)
                            : write_tiles<std::uint8_t>(codec.get(), stream.get(), r);
  if (!written || !opj_end_compress(codec.get(), stream.get())) return failure(sink);
  if (!meta.icc_profile.empty() && !embed_profile(sink.bytes, meta.icc_profile))
    return make_error(Errc::internal, "JPEG 2000 encoding failed: no colour box for the profile");
  return std::move(sink.bytes);
}

}  // namespace tessera
