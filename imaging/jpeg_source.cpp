#include "imaging/jpeg_source.hpp"

#include "imaging/read_only_file.hpp"

#include <spdlog/spdlog.h>
#include <turbojpeg.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace tessera {
namespace {

constexpr std::uint64_t max_file_bytes = std::uint64_t{1} << 30;
constexpr std::uint64_t max_decode_bytes = std::uint64_t{1} << 30;
// Decoded levels kept per source. A viewer fetching 256x256 tiles of one JPEG then decodes each
// level once, not once per tile.
constexpr std::size_t cache_budget = std::size_t{64} << 20;
// And across all open JPEG sources, so that many open files cannot hold gigabytes of pixels.
// When it is spent, further levels are decoded per request until sources are closed.
constexpr std::size_t process_cache_budget = std::size_t{256} << 20;
std::atomic<std::size_t> process_cache_bytes{0};
// How far open() reads looking for the first scan: room for the largest possible ICC profile
// (255 APP2 chunks of 64 KiB) and the other APPn segments.
constexpr std::size_t max_header_bytes = std::size_t{32} << 20;
constexpr std::size_t first_read_bytes = std::size_t{64} << 10;
constexpr std::uint32_t tile_size = 256;
// ACCURATEDCT: the exact integer IDCT, as other libjpeg-based decoders use. LIMITSCANS: a
// progressive file with thousands of scans would otherwise cost minutes of CPU per decode.
constexpr int decode_flags = TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS;

using Bytes = std::vector<unsigned char>;

struct TjDestroy {
  void operator()(void* handle) const noexcept { tjDestroy(handle); }
};

// A tjhandle must not be shared between threads; each thread keeps its own for its lifetime.
std::unique_ptr<void, TjDestroy>& thread_handle() {
  thread_local std::unique_ptr<void, TjDestroy> handle;
  if (!handle) handle.reset(tjInitDecompress());
  return handle;
}

tjhandle thread_decompressor() {
  return thread_handle().get();
}

// TurboJPEG 2.1's tjDecompressHeader3 returns from an error without aborting the decompressor,
// and the next call on that handle then misreads a valid file. After any failure the handle is
// replaced (its error string must be read first).
void discard_thread_decompressor() {
  thread_handle().reset();
}

std::string corrupt(const char* what) {
  return std::string("image could not be read: ") + what;
}

// The client sees `message`; the log also gets the detail, with the file name but not its path.
Error logged(const std::filesystem::path& path, Errc code, const std::string& message,
             const std::string& detail) {
  spdlog::warn("JPEG {}: {}{}{}", path.filename().string(), message, detail.empty() ? "" : ": ",
               detail);
  return make_error(code, message);
}

std::size_t be16(const unsigned char* p) noexcept {
  return std::size_t{p[0]} << 8 | p[1];
}

bool has_id(const unsigned char* p, std::size_t n, const char* id, std::size_t id_size) {
  return n >= id_size && std::memcmp(p, id, id_size) == 0;
}

// What the markers before the first scan say.
struct Header {
  enum class End { need_more, scan, other };
  End end = End::need_more;     // need_more: the buffer ended before the first SOS segment did
  std::size_t scan_offset = 0;  // just past the first SOS segment
  int sof = 0;                  // the frame's SOFn marker; 0 if none was seen
  int precision = 0;
  std::uint64_t blocks = 0;             // 8x8 blocks of all components
  std::uint64_t coefficient_bytes = 0;  // whole-image DCT coefficients, for buffered decoding
  bool jfif_seen = false;
  double dpi_x = 0, dpi_y = 0;
  std::string xmp;
  std::map<int, std::string> icc_chunks;  // by sequence number, from 1
  int icc_count = 0;
  bool icc_bad = false;
};

// Counts the frame's 8x8 blocks, and the bytes libjpeg allocates when it must keep every
// coefficient (progressive files, even at a reduced scale): per component, the blocks rounded up
// to whole MCUs, 128 bytes each.
void read_frame(const unsigned char* p, std::size_t n, Header& h) {
  if (n < 6) return;
  h.precision = p[0];
  const std::int64_t height = static_cast<std::int64_t>(be16(p + 1));
  const std::int64_t width = static_cast<std::int64_t>(be16(p + 3));
  const std::size_t components = p[5];
  if (components == 0 || n < 6 + 3 * components) return;
  std::int64_t hmax = 1, vmax = 1;
  for (std::size_t c = 0; c < components; ++c) {
    const int hs = p[7 + 3 * c] >> 4, vs = p[7 + 3 * c] & 15;
    if (hs < 1 || hs > 4 || vs < 1 || vs > 4) return;
    hmax = std::max<std::int64_t>(hmax, hs);
    vmax = std::max<std::int64_t>(vmax, vs);
  }
  for (std::size_t c = 0; c < components; ++c) {
    const std::int64_t hs = p[7 + 3 * c] >> 4, vs = p[7 + 3 * c] & 15;
    const std::int64_t wb = ceil_div(width * hs, hmax * 8), hb = ceil_div(height * vs, vmax * 8);
    h.blocks += static_cast<std::uint64_t>(wb * hb);
    h.coefficient_bytes +=
        static_cast<std::uint64_t>(ceil_div(wb, hs) * hs * ceil_div(hb, vs) * vs) * 128;
  }
}

void read_segment(int marker, const unsigned char* p, std::size_t n, Header& h) {
  static constexpr char jfif[] = "JFIF";
  static constexpr char xmp[] = "http://ns.adobe.com/xap/1.0/";
  static constexpr char icc[] = "ICC_PROFILE";
  if (marker == 0xE0 && !h.jfif_seen && n >= 12 && has_id(p, n, jfif, sizeof jfif)) {
    h.jfif_seen = true;
    const int units = p[7];
    const double x = static_cast<double>(be16(p + 8)), y = static_cast<double>(be16(p + 10));
    const double per_inch = units == 1 ? 1.0 : units == 2 ? 2.54 : 0.0;  // 0: aspect ratio only
    if (per_inch > 0 && x > 0 && y > 0) {
      h.dpi_x = x * per_inch;
      h.dpi_y = y * per_inch;
    }
  } else if (marker == 0xE1 && h.xmp.empty() && has_id(p, n, xmp, sizeof xmp)) {
    h.xmp.assign(reinterpret_cast<const char*>(p) + sizeof xmp, n - sizeof xmp);
  } else if (marker == 0xE2 && n >= sizeof icc + 2 && has_id(p, n, icc, sizeof icc)) {
    const int seq = p[sizeof icc], count = p[sizeof icc + 1];
    if (seq < 1 || seq > count || (h.icc_count != 0 && count != h.icc_count) ||
        h.icc_chunks.count(seq) != 0) {
      h.icc_bad = true;
      return;
    }
    h.icc_count = count;
    h.icc_chunks[seq].assign(reinterpret_cast<const char*>(p) + sizeof icc + 2, n - sizeof icc - 2);
  } else if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
             marker != 0xCC && h.sof == 0) {
    h.sof = marker;
    read_frame(p, n, h);
  }
}

// Walks the marker segments after SOI up to the first SOS. Only reads inside [p, p + n); stray
// bytes between segments are skipped as libjpeg skips them, and whether the stream is valid is
// left to libjpeg.
Header scan_header(const unsigned char* p, std::size_t n) {
  Header h;
  std::size_t i = 2;
  for (;;) {
    while (i < n && p[i] != 0xFF) ++i;
    while (i < n && p[i] == 0xFF) ++i;  // fill bytes
    if (i >= n) return h;
    const int marker = p[i++];
    if (marker == 0xD9) {
      h.end = Header::End::other;
      return h;
    }
    if (marker == 0x00 || marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7))
      continue;  // no length field
    if (n - i < 2) return h;
    const std::size_t length = be16(p + i);
    if (length < 2) {
      h.end = Header::End::other;
      return h;
    }
    if (n - i < length) return h;
    read_segment(marker, p + i + 2, length - 2, h);
    i += length;
    if (marker == 0xDA) {
      h.end = Header::End::scan;
      h.scan_offset = i;
      return h;
    }
  }
}

std::string icc_profile(const Header& h) {
  if (h.icc_bad || h.icc_count == 0 || h.icc_chunks.size() != static_cast<std::size_t>(h.icc_count))
    return {};
  std::string out;
  for (const auto& chunk : h.icc_chunks) out += chunk.second;  // 1..count, each once
  return out;
}

// True if the stream has its EOI marker. Segments are skipped by their length so that their
// payload cannot fake one; inside entropy-coded data an 0xFF is always followed by 0x00 or RSTn,
// so the first real FF D9 there is the end of the image.
bool reaches_eoi(const Bytes& data) {
  const unsigned char* p = data.data();
  const std::size_t n = data.size();
  std::size_t i = 2;
  while (i + 1 < n) {
    if (p[i] != 0xFF) {
      ++i;
      continue;
    }
    const int m = p[i + 1];
    if (m == 0xD9) return true;
    if (m == 0xFF) {
      ++i;
    } else if (m == 0x00 || m == 0x01 || m == 0xD8 || (m >= 0xD0 && m <= 0xD7)) {
      i += 2;
    } else {
      if (i + 4 > n) return false;
      i += 2 + be16(p + i + 2);
    }
  }
  return false;
}

bool is_progressive(int sof) {
  return sof == 0xC2 || sof == 0xCA;
}

// Huffman coding spends at least one bit on every block (its DC difference, in the first scan of
// a progressive file), so a shorter file cannot hold the frame it declares: absurd dimensions, or
// most of the data missing. Such a file would otherwise decode to a huge grey image.
bool too_short(const Header& h, std::uint64_t file_bytes) {
  const bool huffman = h.sof == 0xC0 || h.sof == 0xC1 || h.sof == 0xC2;
  return huffman && file_bytes < h.blocks / 8;
}

// Lossless and hierarchical frames, which libjpeg-turbo 2.1 does not decode.
bool unsupported_frame(int sof) {
  return sof == 0xC3 || (sof >= 0xC5 && sof <= 0xC7) || sof == 0xCB || sof >= 0xCD;
}

bool has_factor(const tjscalingfactor* factors, int count, int denom) {
  for (int i = 0; factors && i < count; ++i)
    if (factors[i].num == 1 && factors[i].denom == denom) return true;
  return false;
}

// Why an opened file cannot be decoded (logged), or nothing.
std::optional<Error> unusable(const std::filesystem::path& path, const ReadOnlyFile& file) {
  if (!file.ok())
    return logged(path, Errc::corrupt_image, corrupt("cannot open the file"), file.open_error());
  if (!file.regular()) return logged(path, Errc::corrupt_image, corrupt("not a regular file"), "");
  if (file.size() > max_file_bytes)
    return logged(path, Errc::payload_too_large, "image file too large",
                  std::to_string(file.size()) + " bytes");
  return std::nullopt;
}

}  // namespace

JpegSource::JpegSource(std::filesystem::path path, const SourceOptions& options)
    : path_(std::move(path)), options_(options) {}
JpegSource::~JpegSource() {
  process_cache_bytes -= cache_bytes_;
}

Result<std::shared_ptr<JpegSource>> JpegSource::open(const std::filesystem::path& path,
                                                     const SourceOptions& options) {
  const ReadOnlyFile file(path);
  if (auto refused = unusable(path, file)) return *refused;
  const std::uint64_t size = file.size();

  // Read only as far as the first scan: the markers before it hold everything info() needs.
  Bytes head;
  Header header;
  const std::size_t limit = std::min(static_cast<std::size_t>(size), max_header_bytes);
  for (std::size_t want = first_read_bytes;; want *= 8) {
    const std::size_t target = std::min(want, limit);
    if (const int error = file.read_more(head, target - head.size()))
      return logged(path, Errc::corrupt_image, corrupt("cannot read the file"),
                    std::generic_category().message(error));
    header = scan_header(head.data(), head.size());
    if (header.end != Header::End::need_more || head.size() < target || target == limit) break;
  }

  if (unsupported_frame(header.sof))
    return logged(path, Errc::not_implemented,
                  "lossless and hierarchical JPEG images are not supported", "");
  if (header.precision > 8)
    return logged(path, Errc::not_implemented, "JPEG images of more than 8 bits are not supported",
                  std::to_string(header.precision) + " bits");

  if (too_short(header, static_cast<std::uint64_t>(size)))
    return logged(path, Errc::corrupt_image, corrupt("the file is too short for its dimensions"),
                  "");

  tjhandle tj = thread_decompressor();
  if (!tj) return make_error(Errc::internal, "JPEG decoder unavailable");
  int width = 0, height = 0, subsampling = 0, colourspace = 0;
  const std::size_t header_end = header.end == Header::End::scan ? header.scan_offset : head.size();
  if (tjDecompressHeader3(tj, head.data(), header_end, &width, &height, &subsampling,
                          &colourspace) != 0) {
    const std::string detail = tjGetErrorStr2(tj);
    discard_thread_decompressor();
    return logged(path, Errc::corrupt_image, corrupt("not a valid JPEG file"), detail);
  }
  if (width <= 0 || height <= 0) {  // a tables-only stream: tjDecompressHeader3 succeeds
    discard_thread_decompressor();
    return logged(path, Errc::corrupt_image, corrupt("not a valid JPEG file"), "no image");
  }
  if (colourspace == TJCS_CMYK || colourspace == TJCS_YCCK)
    return logged(path, Errc::not_implemented, "CMYK JPEG images are not supported", "");

  auto source = std::shared_ptr<JpegSource>(new JpegSource(path, options));
  source->jpeg_colourspace_ = colourspace;
  ImageInfo& info = source->info_;
  info.format = "jpeg";
  const bool grey = colourspace == TJCS_GRAY;
  info.bands = grey ? 1 : 3;
  info.colour = grey ? ColourSpace::grey : ColourSpace::rgb;
  info.bits_per_sample = 8;
  info.sample_type = SampleType::u8;
  set_type_range(info);
  info.dpi_x = header.dpi_x;
  info.dpi_y = header.dpi_y;
  info.icc_profile = icc_profile(header);
  info.xmp = std::move(header.xmp);

  // Levels decoded directly at 1/2, 1/4, 1/8, with the sizes tjDecompress2 produces (TJSCALED
  // rounds up, as the halving of computed levels does).
  info.levels.push_back(LevelInfo{width, height, tile_size, tile_size, true});
  int factor_count = 0;
  const tjscalingfactor* factors = tjGetScalingFactors(&factor_count);
  for (int denom = 2; denom <= 8; denom *= 2) {
    const LevelInfo& above = info.levels.back();
    if (above.width <= tile_size && above.height <= tile_size) break;
    if (!has_factor(factors, factor_count, denom)) break;
    const tjscalingfactor f{1, denom};
    info.levels.push_back(
        LevelInfo{TJSCALED(width, f), TJSCALED(height, f), tile_size, tile_size, true});
  }
  add_computed_levels(info);
  return source;
}

Result<Raster> JpegSource::read_stored(std::size_t level, const Rect& region) const {
  auto pixels = level_pixels(level);
  if (!pixels) return pixels.error();
  const Raster& whole = **pixels;
  Raster out(region.w, region.h, whole.bands);
  const std::size_t px = whole.pixel_bytes();
  for (std::int64_t y = 0; y < region.h; ++y)
    std::memcpy(out.row(y), whole.row(region.y + y) + static_cast<std::size_t>(region.x) * px,
                out.row_bytes());
  return out;
}

Result<JpegSource::Pixels> JpegSource::level_pixels(std::size_t level) const {
  std::promise<Result<Pixels>> promise;
  std::shared_future<Result<Pixels>> pending;
  {
    std::lock_guard lock(mutex_);
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->first != level) continue;
      cache_.splice(cache_.begin(), cache_, it);
      return it->second;
    }
    auto [it, inserted] = decoding_.try_emplace(level);
    if (inserted)
      it->second = promise.get_future().share();
    else
      pending = it->second;
  }
  // Another thread is decoding this level: wait for its result instead of decoding it again
  // (a viewer's first burst of tiles would otherwise decode the same level on every worker).
  if (pending.valid()) return pending.get();

  Result<Pixels> result = make_error(Errc::internal, "JPEG decoding failed");
  try {
    result = decode_level(level);
  } catch (const std::bad_alloc&) {  // waiters must hear of it too
    result = logged(path_, Errc::unavailable, "not enough memory to decode the image", "");
  } catch (const std::exception& e) {
    result = logged(path_, Errc::internal, "JPEG decoding failed", e.what());
  }
  {
    std::lock_guard lock(mutex_);
    decoding_.erase(level);
    // A level larger than the whole budget is decoded per request and not kept.
    const std::size_t size = result ? (*result)->data.size() : 0;
    if (result && size <= cache_budget && process_cache_bytes + size <= process_cache_budget) {
      cache_.emplace_front(level, *result);
      cache_bytes_ += size;
      process_cache_bytes += size;
      while (cache_bytes_ > cache_budget) {
        cache_bytes_ -= cache_.back().second->data.size();
        process_cache_bytes -= cache_.back().second->data.size();
        cache_.pop_back();
      }
    }
  }
  promise.set_value(result);
  return result;
}

Result<JpegSource::Pixels> JpegSource::decode_level(std::size_t level) const {
  const LevelInfo& lv = info_.levels[level];
  const std::uint64_t out_bytes =
      static_cast<std::uint64_t>(lv.width * lv.height) * static_cast<std::uint64_t>(info_.bands);
  // Not logged: asking for a huge image at full size is a request problem, not a file problem.
  if (out_bytes > max_decode_bytes)
    return make_error(Errc::payload_too_large, "image too large to decode at this size");

  const ReadOnlyFile file(path_);
  if (auto refused = unusable(path_, file)) return *refused;
  const std::uint64_t size = file.size();
  Bytes data;
  if (const int error = file.read_more(data, static_cast<std::size_t>(size)))
    return logged(path_, Errc::corrupt_image, corrupt("cannot read the file"),
                  std::generic_category().message(error));

  // Rescanned rather than remembered from open(): the file may have been replaced since.
  const Header header = scan_header(data.data(), data.size());
  if (too_short(header, data.size()))
    return logged(path_, Errc::corrupt_image, corrupt("the file is too short for its dimensions"),
                  "");
  if (is_progressive(header.sof) && header.coefficient_bytes > max_decode_bytes)
    return make_error(Errc::payload_too_large, "image too large to decode at this size");

  tjhandle tj = thread_decompressor();
  if (!tj) return make_error(Errc::internal, "JPEG decoder unavailable");
  int width = 0, height = 0, subsampling = 0, colourspace = 0;
  if (tjDecompressHeader3(tj, data.data(), data.size(), &width, &height, &subsampling,
                          &colourspace) != 0) {
    const std::string detail = tjGetErrorStr2(tj);
    discard_thread_decompressor();
    return logged(path_, Errc::corrupt_image, corrupt("not a valid JPEG file"), detail);
  }
  if (width != info_.width() || height != info_.height() || colourspace != jpeg_colourspace_)
    return logged(path_, Errc::corrupt_image, corrupt("the file changed after it was opened"), "");

  Raster out(lv.width, lv.height, info_.bands);
  const int format = info_.bands == 1 ? TJPF_GRAY : TJPF_RGB;
  if (tjDecompress2(tj, data.data(), data.size(), out.data.data(), static_cast<int>(lv.width),
                    static_cast<int>(out.row_bytes()), static_cast<int>(lv.height), format,
                    decode_flags) != 0) {
    const std::string detail = tjGetErrorStr2(tj);
    const bool fatal = tjGetErrorCode(tj) != TJERR_WARNING;
    discard_thread_decompressor();
    if (fatal)
      return logged(path_, Errc::corrupt_image, corrupt("the JPEG data is damaged"), detail);
    // Warnings are accepted unless the file is truncated. libjpeg recovers from damaged entropy
    // data and stray bytes (which many cameras' files have) the way browsers do, and refusing
    // those would make ordinary photographs unreadable. A truncated file, though, decodes to a
    // grey lower part that would be served and cached as if it were the image; an error tells
    // the operator instead.
    if (!reaches_eoi(data))
      return logged(path_, Errc::corrupt_image, corrupt("the file is truncated"), detail);
    spdlog::debug("JPEG {}: {}", path_.filename().string(), detail);
  }
  return std::make_shared<const Raster>(std::move(out));
}

}  // namespace tessera
