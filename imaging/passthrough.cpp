#include "imaging/passthrough.hpp"

#include <webp/decode.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string_view>

#include "imaging/display.hpp"
#include "imaging/encoders/jpeg_segments.hpp"
#include "imaging/icc.hpp"

namespace tessera {
namespace {

// ---- JPEG ----

constexpr unsigned char soi = 0xD8, eoi = 0xD9, sos = 0xDA, app0 = 0xE0, app14 = 0xEE;
constexpr std::size_t adobe_bytes = 16;  // the whole segment, marker included

std::size_t be16(const unsigned char* p) {
  return (std::size_t{p[0]} << 8) | p[1];
}

// What the walk over a stream's marker segments found.
struct JpegLayout {
  std::size_t end = 0;  // tables: where EOI starts; tile: unused
  int precision = 0, components = 0;
  std::size_t width = 0, height = 0;
  bool full_sampling = true;                   // every component 1x1
  bool colour_marker = false;                  // a JFIF or Adobe segment of its own
  bool quantisation = false, huffman = false;  // DQT and DHT segments seen
};

bool is_frame(unsigned m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

// Walks the segments after SOI up to EOI (`tables`) or to the tile's SOS, checking every length
// stays inside the stream. Only what libtiff writes and every decoder reads passes: one
// sequential Huffman frame (baseline or extended) in the tile, no frame in the tables.
bool walk(std::string_view s, bool tables, JpegLayout& out) {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  if (n < 4 || b[0] != 0xFF || b[1] != soi) return false;
  std::size_t pos = 2;
  while (true) {
    if (pos + 2 > n || b[pos] != 0xFF) return false;
    std::size_t m = pos + 1;
    while (m < n && b[m] == 0xFF) ++m;  // fill bytes
    if (m >= n) return false;
    const unsigned marker = b[m];
    if (marker == eoi) {
      out.end = pos;
      return tables && m + 1 == n;
    }
    if (marker == soi || marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
      return false;
    if (m + 3 > n) return false;
    const std::size_t length = be16(b + m + 1);
    if (length < 2 || length > n - m - 1) return false;
    const unsigned char* p = b + m + 3;
    const std::size_t size = length - 2;
    if (marker == sos) {
      // The entropy-coded data follows; a complete tile ends with EOI.
      return !tables && out.components > 0 && b[n - 2] == 0xFF && b[n - 1] == eoi;
    }
    out.quantisation = out.quantisation || marker == 0xDB;
    out.huffman = out.huffman || marker == 0xC4;
    if ((marker == app0 && size >= 5 && std::memcmp(p, "JFIF\0", 5) == 0) ||
        (marker == app14 && size >= 5 && std::memcmp(p, "Adobe", 5) == 0))
      out.colour_marker = true;
    if (is_frame(marker)) {
      if (tables || out.components > 0 || marker > 0xC1 || size < 6) return false;
      out.precision = p[0];
      out.height = be16(p + 1);
      out.width = be16(p + 3);
      out.components = p[5];
      if (size != 6 + 3 * std::size_t{p[5]}) return false;
      for (int c = 0; c < out.components; ++c)
        out.full_sampling = out.full_sampling && p[6 + 3 * c + 1] == 0x11;
    }
    pos = m + 1 + length;
  }
}

// Transform 0: the components are RGB as they are, not YCbCr.
void put_adobe(std::string& out) {
  encoders::put_segment_header(out, app14, 12);
  out.append("Adobe\0\x64\0\0\0\0\0", 12);  // version 100, no flags, transform 0
}

// ---- WebP ----

std::uint32_t le32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return std::uint32_t{b[0]} | std::uint32_t{b[1]} << 8 | std::uint32_t{b[2]} << 16 |
         std::uint32_t{b[3]} << 24;
}

void put_le(std::string& out, std::uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::size_t padded(std::size_t n) {
  return n + (n & 1);
}

void put_chunk(std::string& out, const char* fourcc, std::string_view payload) {
  out.append(fourcc, 4);
  put_le(out, static_cast<std::uint32_t>(payload.size()), 4);
  out.append(payload);
  if (payload.size() & 1) out.push_back('\0');
}

}  // namespace

std::optional<TileAddress> exact_tile(const ImageInfo& info, const View& view,
                                      const OutputFormat& format, const RenderSettings& settings) {
  if (settings.watermark || info.levels.empty() || view.width <= 0 || view.height <= 0 ||
      view.region.empty())
    return std::nullopt;
  if (view.rotation.mirror || std::fmod(view.rotation.degrees, 360.0) != 0) return std::nullopt;
  // 8-bit samples over their full range, nothing but display bands: no conversion happens.
  if (!is_display_ready(info)) return std::nullopt;
  if (view.processes()) {
    // A server-wide ICC conversion leaves an image without a profile as it is.
    if (!view.convert_icc || !info.icc_profile.empty()) return std::nullopt;
    View rest = view;
    rest.convert_icc = false;
    if (rest.processes()) return std::nullopt;
  }
  if (view.quality == Quality::bitonal ||
      (view.quality == Quality::grey && info.colour != ColourSpace::grey))
    return std::nullopt;
  if (view.bits == 16 && format.deep && info.bits_per_sample > 8) return std::nullopt;

  const LevelWindow win = choose_level(info, view);
  const LevelInfo& lv = info.levels[win.level];
  const auto tw = static_cast<std::int64_t>(lv.tile_width);
  const auto th = static_cast<std::int64_t>(lv.tile_height);
  if (!lv.stored || tw <= 0 || th <= 0 || view.width != tw || view.height != th)
    return std::nullopt;
  // Scale 1 at whole pixels: read_scaled copies the level's pixels unchanged.
  if (win.right - win.left != static_cast<double>(tw) ||
      win.bottom - win.top != static_cast<double>(th) || std::floor(win.left) != win.left ||
      std::floor(win.top) != win.top)
    return std::nullopt;
  const auto x = static_cast<std::int64_t>(win.left);
  const auto y = static_cast<std::int64_t>(win.top);
  // A tile crossing the level's edge is stored padded: its bytes show more than the view.
  if (x % tw != 0 || y % th != 0 || x + tw > lv.width || y + th > lv.height) return std::nullopt;
  return TileAddress{win.level, x / tw, y / th};
}

EncodeMetadata passthrough_metadata(const ImageInfo& info, const View& view, int colour_bands,
                                    const RenderSettings& settings) {
  EncodeMetadata meta;
  const IccSpace space = icc_space(info.icc_profile);
  const bool fits = (colour_bands == 3 && space == IccSpace::rgb) ||
                    (colour_bands == 1 && space == IccSpace::grey);
  if (fits && settings.max_icc > 0 && info.icc_profile.size() <= settings.max_icc)
    meta.icc_profile = info.icc_profile;
  if (settings.embed_xmp) meta.xmp = info.xmp;
  meta.dpi_x = info.dpi_x * static_cast<double>(view.width) / static_cast<double>(view.region.w);
  meta.dpi_y = info.dpi_y * static_cast<double>(view.height) / static_cast<double>(view.region.h);
  return meta;
}

std::optional<std::string> standalone_jpeg(const StoredTile& tile, int bands,
                                           const EncodeMetadata& meta) {
  JpegLayout tables, stream;
  if (!tile.jpeg_tables.empty() && !walk(tile.jpeg_tables, true, tables)) return std::nullopt;
  if (!walk(tile.data, false, stream)) return std::nullopt;
  // A colour marker of the tile's own could contradict the one added here.
  if (tables.colour_marker || stream.colour_marker) return std::nullopt;
  if (!(tables.quantisation || stream.quantisation) || !(tables.huffman || stream.huffman))
    return std::nullopt;
  if (stream.precision != 8 || stream.components != bands ||
      static_cast<std::int64_t>(stream.width) != tile.width ||
      static_cast<std::int64_t>(stream.height) != tile.height)
    return std::nullopt;
  if (bands != 1 && bands != 3) return std::nullopt;
  if (tile.ycbcr && bands != 3) return std::nullopt;
  const bool rgb = bands == 3 && !tile.ycbcr;
  if (rgb && !stream.full_sampling) return std::nullopt;

  const std::size_t table_bytes = tile.jpeg_tables.empty() ? 0 : tables.end - 2;
  // The encoder's own segments, so both paths carry the same metadata. RGB-coded tiles get no
  // JFIF: it would tell decoders the components are YCbCr.
  const std::string jfif = rgb ? std::string() : encoders::jfif_segment(meta);
  const std::string extra = encoders::metadata_segments(meta);
  std::string out;
  out.reserve(2 + (rgb ? adobe_bytes : jfif.size()) + extra.size() + table_bytes +
              tile.data.size() - 2);
  out.append("\xFF\xD8", 2);
  if (rgb)
    put_adobe(out);
  else
    out.append(jfif);
  out.append(extra);
  out.append(tile.jpeg_tables, 2, table_bytes);
  out.append(tile.data, 2);
  return out;
}

std::optional<std::string> standalone_webp(StoredTile&& tile, bool alpha_allowed,
                                           const EncodeMetadata& meta) {
  const std::string& d = tile.data;
  const std::size_t n = d.size();
  if (n < 20 || d.compare(0, 4, "RIFF") != 0 || d.compare(8, 4, "WEBP") != 0 ||
      le32(d.data() + 4) != n - 8)
    return std::nullopt;
  WebPBitstreamFeatures features;
  if (WebPGetFeatures(reinterpret_cast<const std::uint8_t*>(d.data()), n, &features) !=
      VP8_STATUS_OK)
    return std::nullopt;
  if (features.width != tile.width || features.height != tile.height || features.has_animation ||
      (features.has_alpha && !alpha_allowed))
    return std::nullopt;

  // Chunks: an optional VP8X, then only image data (ALPH, VP8, VP8L), ending with the file.
  std::size_t pos = 12, image = 12;
  while (pos < n) {
    if (n - pos < 8) return std::nullopt;
    const std::string_view fourcc(d.data() + pos, 4);
    const std::size_t size = padded(le32(d.data() + pos + 4));
    if (size > n - pos - 8) return std::nullopt;
    if (fourcc == "VP8X" && pos == 12) {
      image = pos + 8 + size;
    } else if (fourcc != "ALPH" && fourcc != "VP8 " && fourcc != "VP8L") {
      return std::nullopt;
    }
    pos += 8 + size;
  }
  if (image >= n) return std::nullopt;
  if (meta.icc_profile.empty() && meta.xmp.empty()) return std::move(tile.data);

  // Metadata needs the extended format: VP8X, ICCP, the image chunks, XMP.
  const std::size_t total = 12 + 18 +
                            (meta.icc_profile.empty() ? 0 : 8 + padded(meta.icc_profile.size())) +
                            (n - image) + (meta.xmp.empty() ? 0 : 8 + padded(meta.xmp.size()));
  if (total - 8 > 0xFFFFFFFEu) return std::nullopt;
  std::string out;
  out.reserve(total);
  out.append("RIFF", 4);
  put_le(out, static_cast<std::uint32_t>(total - 8), 4);
  out.append("WEBPVP8X", 8);
  put_le(out, 10, 4);
  const unsigned flags = (meta.icc_profile.empty() ? 0u : 0x20u) |
                         (features.has_alpha ? 0x10u : 0u) | (meta.xmp.empty() ? 0u : 0x04u);
  put_le(out, flags, 4);  // flags, then three reserved bytes
  put_le(out, static_cast<std::uint32_t>(features.width - 1), 3);
  put_le(out, static_cast<std::uint32_t>(features.height - 1), 3);
  if (!meta.icc_profile.empty()) put_chunk(out, "ICCP", meta.icc_profile);
  out.append(d, image);
  if (!meta.xmp.empty()) put_chunk(out, "XMP ", meta.xmp);
  return out;
}

std::optional<std::string> pass_through(const ImageSource& source, const View& view,
                                        const OutputFormat& format, const EncodeOptions& options,
                                        const EncodeOptions& defaults,
                                        const RenderSettings& settings) {
  const bool jpeg = format.encode == &encode_jpeg;
  if (!jpeg && format.encode != &encode_webp) return std::nullopt;
  // A request's own encoder settings ask for an encoding made with them.
  if (jpeg ? options.jpeg_quality != defaults.jpeg_quality ||
                 options.jpeg_subsampling != defaults.jpeg_subsampling
           : options.webp_quality != defaults.webp_quality)
    return std::nullopt;
  const ImageInfo& info = source.info();
  // JPEG output drops alpha; libtiff's WebP holds RGB or RGBA only.
  if (jpeg ? info.has_alpha : info.colour != ColourSpace::rgb) return std::nullopt;
  const auto where = exact_tile(info, view, format, settings);
  if (!where || !info.levels[where->level].encoded_tiles) return std::nullopt;

  auto tile = source.read_stored_tile(where->level, where->x, where->y);
  if (!tile || tile->codec != (jpeg ? StoredTile::Codec::jpeg : StoredTile::Codec::webp))
    return std::nullopt;
  const int colour = info.bands - (info.has_alpha ? 1 : 0);
  const EncodeMetadata meta = passthrough_metadata(info, view, colour, settings);
  if (jpeg) return standalone_jpeg(*tile, info.bands, meta);
  if (colour != 3) return std::nullopt;
  return standalone_webp(std::move(*tile), info.has_alpha, meta);
}

}  // namespace tessera
