#include "imaging/tiff_source.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <mutex>

#include "imaging/tiff_decode.hpp"
#include "imaging/tiff_directory.hpp"
#include "imaging/tiff_handle.hpp"

namespace tessera {
namespace {

// libtiff refuses any single allocation above this; our own block buffers obey the same bound.
constexpr tmsize_t max_single_allocation = 512 * 1024 * 1024;
constexpr std::uint64_t max_raw_tile = 64u << 20;
constexpr std::uint32_t max_tile_side = 4096;
// The float range scan looks at most at this many pixels of the smallest level.
constexpr std::int64_t range_scan_side = 4096;

std::atomic<std::size_t> idle_handles_total{0};
// The handle pool's counters: a hit reuses an idle handle, a miss opens the file again, an
// eviction closes a handle the budget has no room for.
std::atomic<std::uint64_t> handle_hits{0}, handle_misses{0}, handle_evictions{0};
std::atomic<std::size_t> handle_budget{0};

struct OptionsFree {
  void operator()(TIFFOpenOptions* o) const noexcept { TIFFOpenOptionsFree(o); }
};

std::string format_message(const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  return module ? std::string(module) + ": " + buf : std::string(buf);
}

}  // namespace

struct TiffSource::Handle {
  TiffPtr tif;
  std::string last_error;
  std::uint64_t current_offset = 0;  // 0: the next read must select its directory
};

struct TiffSource::File {
  std::filesystem::path path;
  SourceOptions options;
  std::vector<TiffDirectory> directories;
  std::vector<TiffImage> images;

  std::mutex mutex;
  std::vector<std::unique_ptr<Handle>> idle;

  ~File() { idle_handles_total -= idle.size(); }

  std::unique_ptr<Handle> acquire();
  void release(std::unique_ptr<Handle> handle);
  // Makes `dir` the handle's current directory, with its codec set up for our reads.
  bool select(Handle& handle, const TiffDirectory& dir) const;
};

namespace {

int on_tiff_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* handle = static_cast<TiffSource::Handle*>(user);
  handle->last_error = format_message(module, fmt, ap);
  spdlog::debug("libtiff error: {}", handle->last_error);
  return 1;
}

int on_tiff_warning(TIFF*, void*, const char* module, const char* fmt, va_list ap) {
  spdlog::debug("libtiff warning: {}", format_message(module, fmt, ap));
  return 1;
}

std::unique_ptr<TiffSource::Handle> open_handle(const std::filesystem::path& path) {
  auto handle = std::make_unique<TiffSource::Handle>();
  std::unique_ptr<TIFFOpenOptions, OptionsFree> options(TIFFOpenOptionsAlloc());
  TIFFOpenOptionsSetErrorHandlerExtR(options.get(), on_tiff_error, handle.get());
  TIFFOpenOptionsSetWarningHandlerExtR(options.get(), on_tiff_warning, handle.get());
  TIFFOpenOptionsSetMaxSingleMemAlloc(options.get(), max_single_allocation);
  handle->tif.reset(TIFFOpenExt(path.c_str(), "r", options.get()));
  if (!handle->tif) {
    spdlog::warn("cannot open TIFF {}: {}", path.filename().string(), handle->last_error);
    return nullptr;
  }
  return handle;
}

}  // namespace

CacheStats tiff_handle_stats() {
  CacheStats s;
  s.hits = handle_hits.load();
  s.misses = handle_misses.load();
  s.evictions = handle_evictions.load();
  s.entries = idle_handles_total.load();
  s.cost = s.entries;
  s.capacity = handle_budget.load();
  return s;
}

std::unique_ptr<TiffSource::Handle> TiffSource::File::acquire() {
  {
    std::lock_guard lock(mutex);
    if (!idle.empty()) {
      auto handle = std::move(idle.back());
      idle.pop_back();
      --idle_handles_total;
      ++handle_hits;
      return handle;
    }
  }
  ++handle_misses;
  return open_handle(path);
}

void TiffSource::File::release(std::unique_ptr<Handle> handle) {
  if (!handle) return;
  handle->last_error.clear();
  std::lock_guard lock(mutex);
  // Beyond the budget the handle is closed: a busy server keeps at most that many files open
  // while idle, plus one per worker in use.
  handle_budget = options.max_open_files;
  if (idle_handles_total.load() >= options.max_open_files) {
    ++handle_evictions;
    return;
  }
  ++idle_handles_total;
  idle.push_back(std::move(handle));
}

bool TiffSource::File::select(Handle& handle, const TiffDirectory& dir) const {
  if (handle.current_offset == dir.offset) return true;
  handle.current_offset = 0;
  TIFF* tif = handle.tif.get();
  if (!TIFFSetSubDirectory(tif, dir.offset)) return false;
  // libtiff's JPEG codec converts YCbCr to RGB only when asked, after each directory change.
  if (dir.compression == COMPRESSION_JPEG && dir.photometric == PHOTOMETRIC_YCBCR)
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  handle.current_offset = dir.offset;
  return true;
}

TiffSource::TiffSource(std::shared_ptr<File> file, std::size_t image)
    : file_(std::move(file)), image_(image) {}
TiffSource::~TiffSource() = default;

Result<std::shared_ptr<TiffSource>> TiffSource::open(const std::filesystem::path& path,
                                                     const SourceOptions& options) {
  auto file = std::make_shared<File>();
  file->path = path;
  file->options = options;
  auto handle = open_handle(path);
  if (!handle) return image_unreadable("not a readable TIFF file");
  file->directories = scan_directories(handle->tif.get());
  auto images = group_images(file->directories);
  if (!images) {
    spdlog::warn("cannot serve {}: {}", path.filename().string(), images.error().message);
    return images.error();
  }
  file->images = std::move(images.value());
  file->release(std::move(handle));

  auto source = std::shared_ptr<TiffSource>(new TiffSource(std::move(file), 0));
  if (auto error = source->build()) return *error;
  return source;
}

Result<std::shared_ptr<const ImageSource>> TiffSource::stack_image(std::size_t index) const {
  if (index >= file_->images.size()) return ImageSource::stack_image(index);
  auto source = std::shared_ptr<TiffSource>(new TiffSource(file_, index));
  if (auto error = source->build()) return *error;
  return std::shared_ptr<const ImageSource>(std::move(source));
}

std::optional<Error> TiffSource::build() {
  directories_ = file_->images[image_].levels;
  const TiffDirectory& full = file_->directories[directories_.front()];
  ImageInfo& info = info_;
  info.format = "tiff";
  info.bands = full.out_bands;
  info.bits_per_sample = full.bits;
  info.sample_type = decoded_type(full);
  info.has_alpha = full.alpha;
  switch (full.photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
      info.colour = ColourSpace::grey;
      break;
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
      info.colour = ColourSpace::cielab;
      break;
    default:
      info.colour = ColourSpace::rgb;
  }
  info.dpi_x = full.dpi_x;
  info.dpi_y = full.dpi_y;
  if (full.white_x > 0) {
    info.white_x = full.white_x;
    info.white_y = full.white_y;
  }
  info.icc_profile = full.icc;
  info.xmp = full.xmp;
  info.metadata = full.metadata;
  info.stack_size = file_->images.size();
  info.stack_index = image_;
  for (std::size_t d : directories_) {
    const TiffDirectory& dir = file_->directories[d];
    // Strips (and absurdly large tiles) are offered as 256-pixel tiles: viewers need a tile
    // size they can fetch, and a strip may span the whole image.
    const bool usable =
        dir.tiled && dir.tile_width <= max_tile_side && dir.tile_height <= max_tile_side;
    const std::uint32_t tw = usable ? dir.tile_width : 256;
    const std::uint32_t th = usable ? dir.tile_height : 256;
    const bool encoded =
        usable && dir.photometric != PHOTOMETRIC_MINISWHITE &&
        (dir.compression == COMPRESSION_JPEG || dir.compression == COMPRESSION_WEBP);
    info.levels.push_back(LevelInfo{dir.width, dir.height, tw, th, true, encoded});
  }
  if (directories_.size() == 1 &&
      (full.width > info.levels[0].tile_width || full.height > info.levels[0].tile_height))
    spdlog::warn(
        "{} has no reduced levels: lower resolutions are computed from the full image "
        "on demand, which is slow for large images",
        file_->path.filename().string());
  add_computed_levels(info);

  set_type_range(info);
  if (info.colour == ColourSpace::cielab) {
    info.min_values = {0, -128, -128};
    info.max_values = {100, 127, 127};
  } else if (full.has_sample_range) {
    info.min_values.assign(static_cast<std::size_t>(info.bands), full.smin);
    info.max_values.assign(static_cast<std::size_t>(info.bands), full.smax);
  } else if (full.sample_format == SAMPLEFORMAT_IEEEFP) {
    // No stored range: scan (part of) the smallest stored level, ignoring NaN and infinities.
    const std::size_t last = directories_.size() - 1;
    const LevelInfo& lv = info.levels[last];
    const std::int64_t w = std::min(lv.width, range_scan_side);
    const std::int64_t h = std::min(lv.height, range_scan_side);
    auto pixels = read_stored(last, Rect{(lv.width - w) / 2, (lv.height - h) / 2, w, h});
    if (!pixels) return pixels.error();
    std::vector<double> lo(static_cast<std::size_t>(info.bands),
                           std::numeric_limits<double>::infinity());
    std::vector<double> hi(lo.size(), -std::numeric_limits<double>::infinity());
    with_sample_type(pixels->type, [&](auto t) {
      using T = decltype(t);
      const auto* v = reinterpret_cast<const T*>(pixels->data.data());
      const std::size_t n = pixels->data.size() / sizeof(T);
      for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<double>(v[i]);
        if (!std::isfinite(x)) continue;
        const std::size_t b = i % lo.size();
        lo[b] = std::min(lo[b], x);
        hi[b] = std::max(hi[b], x);
      }
    });
    for (std::size_t b = 0; b < lo.size(); ++b)
      if (lo[b] <= hi[b]) {
        info.min_values[b] = lo[b];
        info.max_values[b] = hi[b];
      }
  }
  return std::nullopt;
}

Result<Raster> TiffSource::read_stored(std::size_t level, const Rect& region) const {
  const TiffDirectory& d = file_->directories[directories_[level]];
  auto handle = file_->acquire();
  if (!handle) return image_unreadable("cannot reopen file");
  TIFF* tif = handle->tif.get();
  const auto fail = [&](const char* what) -> Error {
    spdlog::warn("TIFF read failed in {}: {} ({})", file_->path.filename().string(), what,
                 handle->last_error);
    handle->current_offset = 0;
    file_->release(std::move(handle));
    return image_unreadable(what);
  };
  if (!file_->select(*handle, d)) return fail("cannot read pyramid level");

  const std::int64_t bw = d.tile_width, bh = d.tile_height;
  const bool rgba = d.pixels == TiffPixels::rgba;
  const int planes = d.planar == PLANARCONFIG_SEPARATE && d.samples > 1 ? d.samples : 1;
  const std::uint64_t row_bytes = block_row_bytes(d, d.tile_width);
  const std::uint64_t need =
      rgba ? static_cast<std::uint64_t>(bw) * bh * 4 : row_bytes * static_cast<std::uint64_t>(bh);
  const std::int64_t declared = rgba ? static_cast<std::int64_t>(need)
                                     : (d.tiled ? TIFFTileSize64(tif) : TIFFStripSize64(tif));
  if (need == 0 || need > static_cast<std::uint64_t>(max_single_allocation))
    return fail("tiles or strips too large to decode");
  if (declared < 0 || static_cast<std::uint64_t>(declared) < need)
    return fail("unexpected tile or strip size");
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(declared));

  Raster out(region.w, region.h, d.out_bands, decoded_type(d));
  for (std::int64_t by = region.y / bh; by <= (region.bottom() - 1) / bh; ++by) {
    for (std::int64_t bx = region.x / bw; bx <= (region.right() - 1) / bw; ++bx) {
      const Rect block{bx * bw, by * bh, std::min(bw, static_cast<std::int64_t>(d.width) - bx * bw),
                       std::min(bh, static_cast<std::int64_t>(d.height) - by * bh)};
      const Rect part = intersect(block, region);
      const auto x = static_cast<std::uint32_t>(block.x), y = static_cast<std::uint32_t>(block.y);
      if (rgba) {
        auto* pixels = reinterpret_cast<std::uint32_t*>(buffer.data());
        const int ok =
            d.tiled ? TIFFReadRGBATile(tif, x, y, pixels) : TIFFReadRGBAStrip(tif, y, pixels);
        if (!ok) return fail("tile data is damaged");
        // Strips hold only the rows that exist; tiles are always full size.
        copy_rgba_block(pixels, bw, d.tiled ? bh : block.h, block.x, block.y, part, region.x,
                        region.y, out);
        continue;
      }
      for (int p = 0; p < planes; ++p) {
        const auto plane = static_cast<std::uint16_t>(p);
        const tmsize_t got = d.tiled
                                 ? TIFFReadEncodedTile(tif, TIFFComputeTile(tif, x, y, 0, plane),
                                                       buffer.data(), declared)
                                 : TIFFReadEncodedStrip(tif, TIFFComputeStrip(tif, y, plane),
                                                        buffer.data(), declared);
        const std::uint64_t rows = d.tiled ? static_cast<std::uint64_t>(bh) : block.h;
        if (got < 0 || static_cast<std::uint64_t>(got) < row_bytes * rows)
          return fail("tile data is damaged");
        copy_block(d, DecodedBlock{buffer.data(), row_bytes, block.x, block.y, p}, part, region.x,
                   region.y, out);
      }
    }
  }
  file_->release(std::move(handle));
  return out;
}

Result<StoredTile> TiffSource::read_stored_tile(std::size_t level, std::int64_t tile_x,
                                                std::int64_t tile_y) const {
  if (level >= directories_.size())
    return make_error(Errc::not_implemented, "this level has no stored tiles");
  const TiffDirectory& d = file_->directories[directories_[level]];
  if (!d.tiled || (d.planar == PLANARCONFIG_SEPARATE && d.samples > 1) ||
      info_.levels[level].tile_width != d.tile_width ||
      info_.levels[level].tile_height != d.tile_height)
    return make_error(Errc::not_implemented, "this level has no stored tiles");
  if (tile_x < 0 || tile_y < 0 || tile_x * d.tile_width >= d.width ||
      tile_y * d.tile_height >= d.height)
    return make_error(Errc::internal, "tile index out of range");

  auto handle = file_->acquire();
  if (!handle) return image_unreadable("cannot reopen file");
  TIFF* tif = handle->tif.get();
  StoredTile tile;
  bool ok = file_->select(*handle, d);
  if (ok) {
    const ttile_t index = TIFFComputeTile(tif, static_cast<std::uint32_t>(tile_x * d.tile_width),
                                          static_cast<std::uint32_t>(tile_y * d.tile_height), 0, 0);
    const std::uint64_t size = TIFFGetStrileByteCount(tif, index);
    ok = size > 0 && size <= max_raw_tile;
    if (ok) {
      tile.data.resize(static_cast<std::size_t>(size));
      ok = TIFFReadRawTile(tif, index, tile.data.data(), static_cast<tmsize_t>(size)) ==
           static_cast<tmsize_t>(size);
    }
    std::uint32_t count = 0;
    const void* tables = nullptr;
    if (ok && d.compression == COMPRESSION_JPEG &&
        TIFFGetField(tif, TIFFTAG_JPEGTABLES, &count, &tables) && tables && count > 0)
      tile.jpeg_tables.assign(static_cast<const char*>(tables), count);
  }
  if (!ok) {
    spdlog::warn("raw tile read failed in {}: {}", file_->path.filename().string(),
                 handle->last_error);
    handle->current_offset = 0;
    file_->release(std::move(handle));
    return image_unreadable("tile data is damaged");
  }
  file_->release(std::move(handle));
  tile.codec = d.compression == COMPRESSION_JPEG   ? StoredTile::Codec::jpeg
               : d.compression == COMPRESSION_WEBP ? StoredTile::Codec::webp
                                                   : StoredTile::Codec::other;
  // Min-is-white samples are inverted on reading: decoded as they are, the bytes show a negative.
  if (d.photometric == PHOTOMETRIC_MINISWHITE) tile.codec = StoredTile::Codec::other;
  tile.ycbcr = d.photometric == PHOTOMETRIC_YCBCR;
  tile.width = d.tile_width;
  tile.height = d.tile_height;
  return tile;
}

}  // namespace tessera
