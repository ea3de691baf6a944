#include "imaging/jp2_source.hpp"

#include "imaging/jp2_decoder.hpp"
#include "imaging/read_only_file.hpp"

#include <openjpeg.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <type_traits>

namespace tessera {
namespace {

using jp2::DecoderPool;
using jp2::InfoFree;
using jp2::Session;
using jp2::start;

constexpr std::uint64_t max_read_bytes = std::uint64_t{1} << 30;  // delivered samples per read
constexpr std::uint32_t max_components = 16384;                   // the standard's own limit
constexpr std::uint32_t max_precision = 16;
constexpr std::size_t max_boxes = 4096;
constexpr std::size_t max_markers = 65536;  // COC and QCC for every component fit
constexpr std::uint64_t max_colr_bytes = std::uint64_t{16} << 20;
// OpenJPEG 2.5 sets up every precinct and code-block of a tile and reads the tile's whole
// compressed data, whatever area is decoded: this bounds what one read may cost that way.
constexpr double max_tile_setup_bytes = double(std::uint64_t{1} << 30);
constexpr double bytes_per_code_block = 400;  // measured on 16384^2 and 40000^2 untiled RGB
constexpr double bytes_per_precinct = 200;
// An idle decoder keeps the main header's coding parameters copied into every tile (measured:
// 15 MB for 2360 tiles of 3 components).
constexpr std::size_t decoder_bytes_per_tile_component = 2400;
// The read strategy's cost model, in decoded samples (~20 ns each, 9/7 RGB): a fresh decoder
// walks every tile header before its area (~8 us a tile: a buffer refill and the tile's
// parameters); a pooled decoder pays ~20 us per stored tile it decodes whole.
constexpr double walk_samples_per_tile = 384;
constexpr double samples_per_tile_call = 1024;

// Viewers ask for 256-pixel tiles (iipsrv advertises the same). OpenJPEG decodes any area at
// code-block granularity, so there is no stored grid a different size would align with; each
// viewer tile becomes one decode of just that area at that resolution.
constexpr std::uint32_t viewer_tile = 256;

constexpr std::array<unsigned char, 12> jp2_signature = {0x00, 0x00, 0x00, 0x0C, 'j',  'P',
                                                         ' ',  ' ',  0x0D, 0x0A, 0x87, 0x0A};
constexpr std::array<unsigned char, 4> codestream_signature = {0xFF, 0x4F, 0xFF, 0x51};

constexpr std::uint32_t be16(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 8) | p[1];
}
constexpr std::uint32_t be32(const unsigned char* p) {
  return (be16(p) << 16) | be16(p + 2);
}

// ---- what open() reads itself ----
// OpenJPEG 2.5 reports the colour space and ICC profile only after a decode, expands palettes
// during decode, and its opj_get_cstr_info() copies only the first bytes of the precinct sizes.

struct Jp2Header {
  std::uint32_t enumcs = 0;  // 0: none given
  std::string icc;
  bool palette = false;
  std::uint64_t codestream = 0;  // offset of the codestream in the file
};

struct Box {
  std::uint32_t type = 0;
  std::uint64_t content = 0, end = 0;
};

std::optional<Box> read_box(const ReadOnlyFile& f, std::uint64_t offset, std::uint64_t limit) {
  unsigned char h[16];
  if (offset + 8 > limit || !f.read_exact(h, 8, offset)) return std::nullopt;
  std::uint64_t length = be32(h), header = 8;
  if (length == 1) {
    if (offset + 16 > limit || !f.read_exact(h + 8, 8, offset + 8)) return std::nullopt;
    length = (std::uint64_t{be32(h + 8)} << 32) | be32(h + 12);
    header = 16;
  } else if (length == 0) {
    length = limit - offset;  // the box runs to the end
  }
  if (length < header || length > limit - offset) return std::nullopt;
  return Box{be32(h + 4), offset + header, offset + length};
}

constexpr std::uint32_t box_type(const char (&s)[5]) {
  return (std::uint32_t(std::uint8_t(s[0])) << 24) | (std::uint32_t(std::uint8_t(s[1])) << 16) |
         (std::uint32_t(std::uint8_t(s[2])) << 8) | std::uint8_t(s[3]);
}

std::optional<Jp2Header> read_jp2_header(const ReadOnlyFile& f) {
  Jp2Header out;
  std::uint64_t offset = 0;
  for (std::size_t n = 0; n < max_boxes && offset < f.size(); ++n) {
    // Like OpenJPEG, accept a codestream box longer than the file: truncation shows on read.
    auto box = read_box(f, offset, UINT64_MAX);
    if (!box) return std::nullopt;
    offset = box->end;
    if (box->type == box_type("jp2c")) {
      out.codestream = box->content;
      return out;
    }
    if (box->type != box_type("jp2h")) continue;
    bool seen_colr = false;
    for (std::uint64_t sub = box->content; sub < box->end;) {
      auto child = read_box(f, sub, box->end);
      if (!child) return std::nullopt;
      sub = child->end;
      if (child->type == box_type("pclr")) out.palette = true;
      // Only the first colour specification is normative for a JP2 reader.
      if (child->type != box_type("colr") || seen_colr) continue;
      seen_colr = true;
      const std::uint64_t len = child->end - child->content;
      if (len < 3 || len > max_colr_bytes) return std::nullopt;
      std::string colr(static_cast<std::size_t>(len), '\0');
      if (!f.read_exact(colr.data(), colr.size(), child->content)) return std::nullopt;
      const auto* p = reinterpret_cast<const unsigned char*>(colr.data());
      if (p[0] == 1 && len >= 7) out.enumcs = be32(p + 3);
      if (p[0] == 2 || p[0] == 3) out.icc = colr.substr(3);
    }
  }
  return std::nullopt;  // OpenJPEG needs the codestream box too
}

// Code-block and precinct sizes of one component, from the main header's COD and COC.
struct CodingStyle {
  int levels = 0, xcb = 6, ycb = 6;         // log2 of the code-block size
  std::array<std::uint8_t, 33> precinct{};  // per resolution, lowest first: log2 w | log2 h << 4
};

bool read_style(const unsigned char* p, std::size_t n, bool precincts, CodingStyle& s) {
  if (n < 5 || p[0] > 32) return false;
  s.levels = p[0];
  s.xcb = p[1] + 2;
  s.ycb = p[2] + 2;
  if (precincts && n < 5 + std::size_t{p[0]} + 1) return false;
  for (int r = 0; r <= s.levels; ++r) s.precinct[r] = precincts ? p[5 + r] : 0xFF;
  return true;
}

std::optional<std::vector<CodingStyle>> read_coding_styles(const ReadOnlyFile& f, std::uint64_t at,
                                                           std::uint32_t comps) {
  CodingStyle all;
  std::vector<std::optional<CodingStyle>> own(comps);
  unsigned char m[4];
  std::string seg;
  at += 2;  // SOC
  for (std::size_t n = 0; n < max_markers; ++n) {
    if (!f.read_exact(m, 4, at)) return std::nullopt;
    const std::uint32_t marker = be16(m), len = be16(m + 2);
    if (marker == 0xFF90) break;  // SOT: the main header is over
    if (len < 2) return std::nullopt;
    if (marker == 0xFF52 || marker == 0xFF53) {
      seg.resize(len - 2);
      if (!f.read_exact(seg.data(), seg.size(), at + 4)) return std::nullopt;
      const auto* p = reinterpret_cast<const unsigned char*>(seg.data());
      const std::size_t cn = marker == 0xFF52 ? 0 : comps < 257 ? 1 : 2;  // COC's Ccoc
      // COD: Scod, 4 bytes of SGcod, SPcod. COC: Ccoc, Scoc, SPcoc.
      const std::size_t skip = cn == 0 ? 5 : cn + 1;
      if (seg.size() < skip) return std::nullopt;
      const std::uint32_t c = cn == 1 ? p[0] : cn == 2 ? be16(p) : 0;
      if (c >= comps) return std::nullopt;
      CodingStyle s;
      if (!read_style(p + skip, seg.size() - skip, (p[cn] & 1) != 0, s)) return std::nullopt;
      (cn == 0 ? all : own[c].emplace()) = s;
    }
    at += 2 + len;
  }
  std::vector<CodingStyle> out;
  for (const auto& s : own) out.push_back(s.value_or(all));
  return out;
}

// What decoding any area of the largest tile costs before a single sample is decoded.
double tile_setup_bytes(const opj_codestream_info_v2_t& cs, const opj_image_t& img,
                        const std::vector<CodingStyle>& styles, std::uint64_t file_size) {
  const double tile_w = std::min<double>(cs.tdx, img.x1 - img.x0);
  const double tile_h = std::min<double>(cs.tdy, img.y1 - img.y0);
  const auto count = [](double extent, int log2) {
    return std::ceil(extent / std::exp2(log2)) + 1;
  };
  double blocks = 0, precincts = 0;
  for (std::uint32_t c = 0; c < img.numcomps; ++c) {
    const CodingStyle& t = styles[c];
    const double w = std::ceil(tile_w / img.comps[c].dx), h = std::ceil(tile_h / img.comps[c].dy);
    for (int r = 0; r <= t.levels; ++r) {
      const double rw = std::ceil(w / std::exp2(t.levels - r));
      const double rh = std::ceil(h / std::exp2(t.levels - r));
      const bool ll = r == 0;  // one band at the lowest resolution, three above
      const int pw = t.precinct[r] & 15, ph = t.precinct[r] >> 4;
      const int cw = std::max(0, std::min(t.xcb, ll ? pw : pw - 1));
      const int ch = std::max(0, std::min(t.ycb, ll ? ph : ph - 1));
      const double bands = ll ? 1 : 3;
      blocks += bands * count(ll ? rw : rw / 2, cw) * count(ll ? rh : rh / 2, ch);
      precincts += bands * count(rw, pw) * count(rh, ph);
    }
  }
  const double tiles = std::max(1.0, double(cs.tw) * double(cs.th));
  return blocks * bytes_per_code_block + precincts * bytes_per_precinct +
         static_cast<double>(file_size) / tiles;
}

std::int64_t ceil_shift(std::int64_t v, std::size_t r) {
  return ceil_div(v, std::int64_t{1} << r);
}

using Samples = std::vector<std::int64_t>;

// Copies the pixels of `out` whose samples lie in a decoded block of one component (a stored
// tile or the decoded area) into band `band`. (sx0, sy0) is the block's first sample; cols and
// rows give the sample of each output column and row (non-decreasing).
template <class T>
void copy_block(const opj_image_comp_t& comp, std::int64_t sx0, std::int64_t sy0,
                const Samples& cols, const Samples& rows, Raster& out, int band, int out_bits) {
  const auto span = [](const Samples& v, std::int64_t lo, std::int64_t hi) {
    return std::pair{std::lower_bound(v.begin(), v.end(), lo) - v.begin(),
                     std::lower_bound(v.begin(), v.end(), hi) - v.begin()};
  };
  const auto [xa, xb] = span(cols, sx0, sx0 + comp.w);
  const auto [ya, yb] = span(rows, sy0, sy0 + comp.h);
  const std::int64_t prec = comp.prec, half = std::int64_t{1} << (prec - 1);
  const std::int64_t lo = comp.sgnd ? -half : 0, hi = comp.sgnd ? half - 1 : 2 * half - 1;
  // Narrower unsigned components are stretched over the delivered range (1-bit alpha, 4-bit).
  const std::int64_t scale_to = (std::int64_t{1} << out_bits) - 1;
  const bool scale = !comp.sgnd && prec < out_bits;
  for (auto y = ya; y < yb; ++y) {
    const OPJ_INT32* src =
        comp.data + (rows[static_cast<std::size_t>(y)] - sy0) * static_cast<std::int64_t>(comp.w);
    T* dst = reinterpret_cast<T*>(out.row(y)) + band;
    for (auto x = xa; x < xb; ++x) {
      std::int64_t v =
          std::clamp<std::int64_t>(src[cols[static_cast<std::size_t>(x)] - sx0], lo, hi);
      if (scale) v = (v * scale_to + hi / 2) / hi;
      dst[x * out.bands] = static_cast<T>(v);
    }
  }
}

// sYCC (IEC 61966-2-1 Amd. 1) to RGB, in place on the first three bands.
template <class T>
void sycc_to_rgb(Raster& r, int bits) {
  const float offset = static_cast<float>(1 << (bits - 1));
  const float top = static_cast<float>((1 << bits) - 1);
  const auto put = [top](float v) { return static_cast<T>(std::lround(std::clamp(v, 0.f, top))); };
  const auto pixels = static_cast<std::size_t>(r.width * r.height);
  T* p = reinterpret_cast<T*>(r.data.data());
  for (std::size_t i = 0; i < pixels; ++i, p += r.bands) {
    const float y = p[0], cb = p[1] - offset, cr = p[2] - offset;
    p[0] = put(y + 1.402f * cr);
    p[1] = put(y - 0.344136f * cb - 0.714136f * cr);
    p[2] = put(y + 1.772f * cb);
  }
}

Error unsupported(const char* what) {
  return make_error(Errc::not_implemented, what);
}

}  // namespace

Jp2Source::Jp2Source(std::filesystem::path path, const SourceOptions& options)
    : path_(std::move(path)), options_(options) {}
Jp2Source::~Jp2Source() {
  DecoderPool::instance().drop(this);
}

Result<std::shared_ptr<Jp2Source>> Jp2Source::open(const std::filesystem::path& path,
                                                   const SourceOptions& options) {
  const std::string name = path.filename().string();
  const auto refuse = [&name](Error e) {
    spdlog::warn("cannot serve JPEG2000 {}: {}", name, e.message);
    return e;
  };

  auto source = std::shared_ptr<Jp2Source>(new Jp2Source(path, options));
  Session s(path);
  if (!s.file.ok()) return refuse(image_unreadable("the file cannot be opened"));
  Jp2Header boxes;
  std::array<unsigned char, 12> magic{};
  const bool has4 = s.file.read_exact(magic.data(), 4, 0);
  if (s.file.read_exact(magic.data(), 12, 0) && magic == jp2_signature) {
    auto h = read_jp2_header(s.file);
    if (!h) return refuse(image_unreadable("malformed JP2 boxes"));
    boxes = std::move(*h);
  } else if (has4 &&
             std::equal(codestream_signature.begin(), codestream_signature.end(), magic.begin())) {
    source->codestream_ = true;
  } else {
    return refuse(image_unreadable("not a JPEG2000 file"));
  }
  if (boxes.palette) return refuse(unsupported("palette JPEG2000 images are not supported"));
  if (boxes.enumcs == 12 || boxes.enumcs == 24)
    return refuse(unsupported("CMYK and e-YCC JPEG2000 images are not supported"));

  if (auto e = start(s, source->codestream_, 0, 0)) return refuse(*e);
  const opj_image_t& img = *s.image;
  if (img.x1 <= img.x0 || img.y1 <= img.y0)
    return refuse(image_unreadable("the image has no pixels"));
  // OpenJPEG decodes with 32-bit signed coordinates.
  if (img.x1 > INT32_MAX || img.y1 > INT32_MAX)
    return refuse(unsupported("JPEG2000 images beyond 2^31 pixels a side are not supported"));
  if (img.numcomps == 0 || img.numcomps > max_components || !img.comps)
    return refuse(image_unreadable("invalid number of components"));

  std::uint32_t max_prec = 0;
  for (std::uint32_t c = 0; c < img.numcomps; ++c) {
    const opj_image_comp_t& comp = img.comps[c];
    if (comp.prec == 0 || comp.dx == 0 || comp.dy == 0 || comp.dx > 255 || comp.dy > 255)
      return refuse(image_unreadable("invalid component"));
    if (comp.prec > max_precision)
      return refuse(unsupported("JPEG2000 samples of more than 16 bits are not supported"));
    if ((comp.sgnd != 0) != (img.comps[0].sgnd != 0))
      return refuse(unsupported("JPEG2000 mixing signed and unsigned samples is not supported"));
    max_prec = std::max(max_prec, comp.prec);
    source->components_.push_back(Component{comp.dx, comp.dy, comp.prec, comp.sgnd != 0});
  }

  // Reductions beyond any component's resolution count fail in OpenJPEG: take the smallest.
  std::unique_ptr<opj_codestream_info_v2_t, InfoFree> cstr(opj_get_cstr_info(s.codec.get()));
  if (!cstr || !cstr->m_default_tile_info.tccp_info || cstr->nbcomps != img.numcomps)
    return refuse(image_unreadable("no coding parameters"));
  std::uint32_t resolutions = OPJ_J2K_MAXRLVLS;
  for (std::uint32_t c = 0; c < cstr->nbcomps; ++c)
    resolutions = std::min(resolutions, cstr->m_default_tile_info.tccp_info[c].numresolutions);
  if (resolutions == 0) return refuse(image_unreadable("no resolution levels"));
  const auto styles = read_coding_styles(s.file, boxes.codestream, img.numcomps);
  if (!styles) return refuse(image_unreadable("malformed main header"));
  if (tile_setup_bytes(*cstr, img, *styles, s.file.size()) > max_tile_setup_bytes)
    return refuse(unsupported("JPEG2000 tiles this large are not supported; re-encode with tiles"));

  source->tile_x0_ = cstr->tx0;
  source->tile_y0_ = cstr->ty0;
  source->tile_w_ = std::max<std::int64_t>(1, cstr->tdx);
  source->tile_h_ = std::max<std::int64_t>(1, cstr->tdy);
  source->tiles_x_ = std::max<std::int64_t>(1, cstr->tw);
  source->tiles_y_ = std::max<std::int64_t>(1, cstr->th);
  source->decoder_bytes_ = static_cast<std::size_t>(cstr->tw) * cstr->th * img.numcomps *
                               decoder_bytes_per_tile_component +
                           (std::size_t{64} << 10);
  source->x0_ = img.x0;
  source->y0_ = img.y0;
  source->x1_ = img.x1;
  source->y1_ = img.y1;
  const bool sgnd = img.comps[0].sgnd != 0;
  ImageInfo& info = source->info_;
  info.format = "jpeg2000";
  info.bands = static_cast<int>(img.numcomps);
  info.bits_per_sample = static_cast<int>(max_prec);
  info.sample_type = sgnd ? (max_prec <= 8 ? SampleType::i8 : SampleType::i16)
                          : (max_prec <= 8 ? SampleType::u8 : SampleType::u16);
  source->out_bits_ = std::max(8, static_cast<int>(max_prec));
  info.colour = img.numcomps == 3 || img.numcomps == 4 ? ColourSpace::rgb : ColourSpace::grey;
  info.has_alpha = img.numcomps == 2 || img.numcomps == 4;
  info.icc_profile = std::move(boxes.icc);
  if (boxes.enumcs == 18 && img.numcomps >= 3) {
    // Converted on read when Y, Cb, Cr (and alpha) share one unsigned precision of 8+ bits.
    const auto& c = source->components_;
    for (std::size_t i = 1; i < std::min<std::size_t>(c.size(), 4); ++i)
      if (sgnd || max_prec < 8 || c[i].prec != c[0].prec)
        return refuse(unsupported("this sYCC JPEG2000 layout is not supported"));
    source->sycc_ = true;
  }
  set_type_range(info);

  for (std::size_t r = 0; r < resolutions; ++r) {
    const std::int64_t w = ceil_shift(img.x1, r) - ceil_shift(img.x0, r);
    const std::int64_t h = ceil_shift(img.y1, r) - ceil_shift(img.y0, r);
    if (w <= 0 || h <= 0) break;
    info.levels.push_back(LevelInfo{w, h, viewer_tile, viewer_tile, true});
  }
  add_computed_levels(info);
  spdlog::debug("JPEG2000 {}: {}x{}, {} components of {} bits, {} resolutions", name, info.width(),
                info.height(), info.bands, max_prec, resolutions);
  return source;
}

// What one read decodes: the area on the level's grid, the stored tiles it touches, and the
// sample of every output pixel per component.
struct Jp2Source::Plan {
  std::int64_t ax0 = 0, ax1 = 0, ay0 = 0, ay1 = 0;
  std::int64_t tx0 = 0, tx1 = 0, ty0 = 0, ty1 = 0;  // stored tiles, end exclusive
  std::vector<Samples> cols, rows;
};

namespace {

// Checks a decoded block of component `c` against what the plan expects, then copies it.
std::optional<Error> deliver(const opj_image_comp_t& comp, std::size_t c, std::uint32_t dx,
                             std::uint32_t dy, std::uint32_t prec, bool sgnd, std::int64_t sx0,
                             std::int64_t sx1, std::int64_t sy0, std::int64_t sy1,
                             const Samples& cols, const Samples& rows, Raster& out, int out_bits) {
  if (comp.dx != dx || comp.dy != dy || comp.prec != prec || (comp.sgnd != 0) != sgnd ||
      comp.w != sx1 - sx0 || comp.h != sy1 - sy0 || (!comp.data && comp.w > 0 && comp.h > 0))
    return image_unreadable("decoded component " + std::to_string(c) + " has an unexpected size");
  if (!comp.data) return std::nullopt;
  with_sample_type(out.type, [&](auto t) {
    using T = decltype(t);
    if constexpr (sizeof(T) <= 2 && std::is_integral_v<T>)
      copy_block<T>(comp, sx0, sy0, cols, rows, out, static_cast<int>(c), out_bits);
  });
  return std::nullopt;
}

}  // namespace

Result<Raster> Jp2Source::read_stored(std::size_t level, const Rect& region) const {
  const std::uint64_t bytes =
      static_cast<std::uint64_t>(region.w) * static_cast<std::uint64_t>(region.h) *
      static_cast<std::uint64_t>(info_.bands) * bytes_per_sample(info_.sample_type);
  if (bytes > max_read_bytes)
    return make_error(Errc::payload_too_large, "the requested region is too large to decode");

  // The area on the level's grid: the rectangle, widened so that every subsampled component
  // has the samples the rectangle's pixels replicate (the sample at or before the pixel, kept
  // inside the component's bounds).
  const std::int64_t lx0 = ceil_shift(x0_, level), lx1 = ceil_shift(x1_, level);
  const std::int64_t ly0 = ceil_shift(y0_, level), ly1 = ceil_shift(y1_, level);
  const std::int64_t u0 = lx0 + region.x, v0 = ly0 + region.y;
  Plan plan;
  plan.ax0 = u0, plan.ax1 = u0 + region.w, plan.ay0 = v0, plan.ay1 = v0 + region.h;
  for (const Component& c : components_) {
    const auto samples = [](std::int64_t from, std::int64_t n, std::int64_t step, std::int64_t lo,
                            std::int64_t hi) {
      Samples v(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] =
            std::clamp((from + i) / step, ceil_div(lo, step), ceil_div(hi, step) - 1);
      return v;
    };
    plan.cols.push_back(samples(u0, region.w, c.dx, lx0, lx1));
    plan.rows.push_back(samples(v0, region.h, c.dy, ly0, ly1));
    plan.ax0 = std::min(plan.ax0, plan.cols.back().front() * c.dx);
    plan.ax1 = std::max(plan.ax1, plan.cols.back().back() * c.dx + 1);
    plan.ay0 = std::min(plan.ay0, plan.rows.back().front() * c.dy);
    plan.ay1 = std::max(plan.ay1, plan.rows.back().back() * c.dy + 1);
  }
  plan.ax1 = std::min(plan.ax1, lx1);
  plan.ay1 = std::min(plan.ay1, ly1);

  // The stored tiles under the area, and what decoding them whole costs against a fresh
  // decoder that walks every tile header to decode just the area.
  const auto tiles = [level](std::int64_t a0, std::int64_t a1, std::int64_t lo, std::int64_t hi,
                             std::int64_t origin, std::int64_t size) {
    const std::int64_t g0 = std::clamp(a0 << level, lo, hi), g1 = std::clamp(a1 << level, lo, hi);
    return std::pair{std::max<std::int64_t>(0, (g0 - origin) / size),
                     std::max<std::int64_t>(0, (g1 - 1 - origin) / size + 1)};
  };
  std::tie(plan.tx0, plan.tx1) = tiles(plan.ax0, plan.ax1, x0_, x1_, tile_x0_, tile_w_);
  std::tie(plan.ty0, plan.ty1) = tiles(plan.ay0, plan.ay1, y0_, y1_, tile_y0_, tile_h_);
  plan.tx1 = std::min(plan.tx1, tiles_x_);
  plan.ty1 = std::min(plan.ty1, tiles_y_);
  const auto extent = [level](std::int64_t t0, std::int64_t t1, std::int64_t lo, std::int64_t hi,
                              std::int64_t origin, std::int64_t size) {
    return double(ceil_shift(std::min(origin + t1 * size, hi), level) -
                  ceil_shift(std::max(origin + t0 * size, lo), level));
  };
  const double touched = extent(plan.tx0, plan.tx1, x0_, x1_, tile_x0_, tile_w_) *
                         extent(plan.ty0, plan.ty1, y0_, y1_, tile_y0_, tile_h_);
  const double area = double(plan.ax1 - plan.ax0) * double(plan.ay1 - plan.ay0);
  const double calls = double(plan.tx1 - plan.tx0) * double(plan.ty1 - plan.ty0);
  const double all_tiles = double(tiles_x_) * double(tiles_y_);
  const bool whole_tiles =
      all_tiles > 1 && touched * info_.bands + calls * samples_per_tile_call <=
                           area * info_.bands + all_tiles * walk_samples_per_tile;

  Raster out(region.w, region.h, info_.bands, info_.sample_type);
  if (auto e = whole_tiles ? read_tiles(level, plan, out) : read_window(level, plan, out)) {
    spdlog::warn("JPEG2000 read failed in {}: {}", path_.filename().string(), e->message);
    return *e;
  }
  if (sycc_ && info_.sample_type == SampleType::u8)
    sycc_to_rgb<std::uint8_t>(out, static_cast<int>(components_[0].prec));
  else if (sycc_)
    sycc_to_rgb<std::uint16_t>(out, static_cast<int>(components_[0].prec));
  return out;
}

std::optional<Error> Jp2Source::read_window(std::size_t level, const Plan& plan,
                                            Raster& out) const {
  Session s(path_);
  const auto layers = static_cast<std::uint32_t>(std::max(0, options_.max_layers));
  if (auto e = start(s, codestream_, static_cast<std::uint32_t>(level), layers)) return e;
  opj_image_t* img = s.image.get();
  if (img->x0 != x0_ || img->y0 != y0_ || img->x1 != x1_ || img->y1 != y1_ ||
      img->numcomps != components_.size())
    return image_unreadable("the file changed since it was opened");

  // OpenJPEG takes the area on the full-resolution reference grid.
  const auto grid = [level](std::int64_t v, std::int64_t lo, std::int64_t hi) {
    return static_cast<OPJ_INT32>(std::clamp(v << level, lo, hi));
  };
  if (!opj_set_decode_area(s.codec.get(), img, grid(plan.ax0, x0_, x1_), grid(plan.ay0, y0_, y1_),
                           grid(plan.ax1, x0_, x1_), grid(plan.ay1, y0_, y1_)))
    return image_unreadable(s.cause("cannot select the region"));
  if (!opj_decode(s.codec.get(), s.stream.get(), img))
    return image_unreadable(s.cause("decoding failed"));
  // The pixels are complete; trouble in boxes after the codestream does not spoil them.
  if (!opj_end_decompress(s.codec.get(), s.stream.get()))
    spdlog::debug("JPEG2000 {}: {}", path_.filename().string(), s.cause("trailing data ignored"));

  if (img->numcomps != components_.size() || !img->comps)
    return image_unreadable("unexpected components after decoding");
  for (std::size_t c = 0; c < components_.size(); ++c) {
    const Component& k = components_[c];
    if (auto e = deliver(img->comps[c], c, k.dx, k.dy, k.prec, k.sgnd, ceil_div(plan.ax0, k.dx),
                         ceil_div(plan.ax1, k.dx), ceil_div(plan.ay0, k.dy),
                         ceil_div(plan.ay1, k.dy), plan.cols[c], plan.rows[c], out, out_bits_))
      return e;
  }
  return std::nullopt;
}

std::optional<Error> Jp2Source::read_tiles(std::size_t level, const Plan& plan, Raster& out) const {
  // A decoder that failed is dropped with `s`, never returned to the pool.
  auto s = DecoderPool::instance().take(this);
  if (!s) {
    s = std::make_unique<Session>(path_);
    const auto layers = static_cast<std::uint32_t>(std::max(0, options_.max_layers));
    if (auto e = start(*s, codestream_, 0, layers)) return e;
    const opj_image_t* img = s->image.get();
    if (img->x0 != x0_ || img->y0 != y0_ || img->x1 != x1_ || img->y1 != y1_ ||
        img->numcomps != components_.size())
      return image_unreadable("the file changed since it was opened");
  }
  if (!opj_set_decoded_resolution_factor(s->codec.get(), static_cast<OPJ_UINT32>(level)))
    return image_unreadable(s->cause("cannot select the resolution"));

  for (std::int64_t ty = plan.ty0; ty < plan.ty1; ++ty) {
    // The tile's bounds on the level's grid; a component's samples are those divided by dx/dy.
    const std::int64_t y0 = ceil_shift(std::max(tile_y0_ + ty * tile_h_, y0_), level);
    const std::int64_t y1 = ceil_shift(std::min(tile_y0_ + (ty + 1) * tile_h_, y1_), level);
    for (std::int64_t tx = plan.tx0; tx < plan.tx1; ++tx) {
      const std::int64_t x0 = ceil_shift(std::max(tile_x0_ + tx * tile_w_, x0_), level);
      const std::int64_t x1 = ceil_shift(std::min(tile_x0_ + (tx + 1) * tile_w_, x1_), level);
      bool needed = false;
      for (std::size_t c = 0; c < components_.size() && !needed; ++c) {
        const Component& k = components_[c];
        const auto overlaps = [](const Samples& v, std::int64_t lo, std::int64_t hi) {
          return lo < hi && v.front() < hi && v.back() >= lo;
        };
        needed = overlaps(plan.cols[c], ceil_div(x0, k.dx), ceil_div(x1, k.dx)) &&
                 overlaps(plan.rows[c], ceil_div(y0, k.dy), ceil_div(y1, k.dy));
      }
      if (!needed) continue;
      opj_image_t* img = s->image.get();
      if (!opj_get_decoded_tile(s->codec.get(), s->stream.get(), img,
                                static_cast<OPJ_UINT32>(ty * tiles_x_ + tx)))
        return image_unreadable(s->cause("decoding failed"));
      if (img->numcomps != components_.size() || !img->comps)
        return image_unreadable("unexpected components after decoding");
      for (std::size_t c = 0; c < components_.size(); ++c) {
        const Component& k = components_[c];
        if (auto e = deliver(img->comps[c], c, k.dx, k.dy, k.prec, k.sgnd, ceil_div(x0, k.dx),
                             ceil_div(x1, k.dx), ceil_div(y0, k.dy), ceil_div(y1, k.dy),
                             plan.cols[c], plan.rows[c], out, out_bits_))
          return e;
      }
    }
  }
  DecoderPool::instance().put(this, std::move(s), decoder_bytes_, options_.max_open_files);
  return std::nullopt;
}

}  // namespace tessera
