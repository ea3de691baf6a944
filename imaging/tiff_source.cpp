#include "imaging/tiff_source.hpp"

#include "imaging/tiff_handle.hpp"

#include <spdlog/spdlog.h>
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace tessera {
namespace {

constexpr std::size_t max_idle_handles = 8;
constexpr tmsize_t max_single_allocation = 512 * 1024 * 1024;  // bounds decode memory per call

struct OptionsFree {
  void operator()(TIFFOpenOptions* o) const noexcept { TIFFOpenOptionsFree(o); }
};

std::string format_message(const char* module, const char* fmt, va_list ap) {
  char buf[512];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  return module ? std::string(module) + ": " + buf : std::string(buf);
}

// A directory's facts, read once at open.
struct Page {
  std::uint16_t directory = 0;
  std::uint32_t width = 0, height = 0;
  std::uint32_t tile_width = 0, tile_height = 0;
  std::uint16_t samples = 1, bits = 8, sample_format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint32_t subfile_type = 0;
  bool tiled = false;
};

Page read_page(TIFF* tif, std::uint16_t directory) {
  Page p;
  p.directory = directory;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &p.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &p.height);
  p.tiled = TIFFIsTiled(tif) != 0;
  if (p.tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &p.tile_width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &p.tile_height);
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &p.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &p.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &p.sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &p.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &p.compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &p.subfile_type);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &p.photometric))
    p.photometric = p.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  return p;
}

// A reduced page belongs to the pyramid when its aspect ratio matches the full page's within
// the one-pixel rounding each halving may introduce.
bool same_aspect(const Page& full, const Page& p) {
  const double rx = static_cast<double>(full.width) / p.width;
  const double ry = static_cast<double>(full.height) / p.height;
  const double tolerance = std::max(rx, ry) * 2.0 / std::min(p.width, p.height) + 1e-9;
  return std::abs(rx - ry) / std::max(rx, ry) <= tolerance;
}

std::string tag_string(TIFF* tif, ttag_t tag) {
  const char* value = nullptr;
  if (TIFFGetField(tif, tag, &value) && value) return value;
  return {};
}

}  // namespace

struct TiffSource::Handle {
  TiffPtr tif;
  std::string last_error;
  int current_directory = -1;  // -1: reads must select the directory and set up its codec
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
    spdlog::warn("cannot open TIFF {}: {}", path.string(), handle->last_error);
    return nullptr;
  }
  return handle;
}

Error corrupt(const std::string& what) {
  return make_error(Errc::corrupt_image, "image could not be read: " + what);
}

}  // namespace

TiffSource::TiffSource(std::filesystem::path path) : path_(std::move(path)) {}
TiffSource::~TiffSource() = default;

Result<std::shared_ptr<TiffSource>> TiffSource::open(const std::filesystem::path& path,
                                                     const SourceOptions&) {
  auto handle = open_handle(path);
  if (!handle) return corrupt("not a readable TIFF file");
  TIFF* tif = handle->tif.get();

  std::vector<Page> pages;
  std::uint16_t directory = 0;
  do {
    pages.push_back(read_page(tif, directory++));
  } while (TIFFReadDirectory(tif) && directory < 4096);

  const Page& full = pages.front();
  if (full.width == 0 || full.height == 0) return corrupt("the first page has no pixels");
  if (!full.tiled)
    return make_error(Errc::not_implemented, "strip (untiled) TIFF is not supported yet");
  if (full.bits != 8 || full.sample_format != SAMPLEFORMAT_UINT)
    return make_error(Errc::not_implemented, "only 8-bit unsigned TIFF is supported so far");
  if (full.planar != PLANARCONFIG_CONTIG && full.samples > 1)
    return make_error(Errc::not_implemented, "planar-separate TIFF is not supported yet");
  const bool grey =
      full.photometric == PHOTOMETRIC_MINISBLACK || full.photometric == PHOTOMETRIC_MINISWHITE;
  const bool rgb = full.photometric == PHOTOMETRIC_RGB || full.photometric == PHOTOMETRIC_YCBCR;
  if (!grey && !rgb)
    return make_error(Errc::not_implemented, "this TIFF colour space is not supported yet");
  if (full.tile_width == 0 || full.tile_height == 0) return corrupt("invalid tile size");

  std::vector<Page> levels{full};
  for (std::size_t i = 1; i < pages.size(); ++i) {
    const Page& p = pages[i];
    if (!p.tiled || p.width == 0 || p.height == 0 || p.tile_width == 0 || p.tile_height == 0)
      continue;
    if (p.width >= full.width || p.samples != full.samples || p.bits != full.bits) continue;
    if (p.sample_format != full.sample_format || p.planar != full.planar) continue;
    if ((p.subfile_type & FILETYPE_MASK) != 0 || !same_aspect(full, p)) continue;
    levels.push_back(p);
  }
  std::sort(levels.begin() + 1, levels.end(),
            [](const Page& a, const Page& b) { return a.width > b.width; });
  levels.erase(std::unique(levels.begin(), levels.end(),
                           [](const Page& a, const Page& b) { return a.width == b.width; }),
               levels.end());

  auto source = std::shared_ptr<TiffSource>(new TiffSource(path));
  ImageInfo& info = source->info_;
  info.format = "tiff";
  info.bands = full.samples;
  info.bits_per_sample = full.bits;
  info.sample_type = SampleType::u8;
  info.colour = grey ? ColourSpace::grey : ColourSpace::rgb;
  for (const Page& p : levels) {
    info.levels.push_back(LevelInfo{p.width, p.height, p.tile_width, p.tile_height});
    source->layout_.push_back(LevelLayout{
        p.directory, p.compression == COMPRESSION_JPEG && p.photometric == PHOTOMETRIC_YCBCR,
        p.photometric == PHOTOMETRIC_MINISWHITE});
  }

  if (TIFFSetDirectory(tif, 0)) {
    const std::pair<ttag_t, const char*> tags[] = {{TIFFTAG_IMAGEDESCRIPTION, "description"},
                                                   {TIFFTAG_ARTIST, "creator"},
                                                   {TIFFTAG_COPYRIGHT, "rights"},
                                                   {TIFFTAG_DATETIME, "date"},
                                                   {TIFFTAG_SOFTWARE, "software"},
                                                   {TIFFTAG_MAKE, "make"},
                                                   {TIFFTAG_MODEL, "model"},
                                                   {TIFFTAG_DOCUMENTNAME, "title"}};
    for (const auto& [tag, key] : tags)
      if (auto v = tag_string(tif, tag); !v.empty()) info.metadata[key] = std::move(v);
  }
  source->release(std::move(handle));
  return source;
}

std::unique_ptr<TiffSource::Handle> TiffSource::acquire() const {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return open_handle(path_);
}

void TiffSource::release(std::unique_ptr<Handle> handle) const {
  if (!handle) return;
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < max_idle_handles) idle_.push_back(std::move(handle));
}

Result<Raster> TiffSource::read_stored(std::size_t level, const Rect& region) const {
  const LevelInfo& lv = info_.levels[level];
  const std::int64_t tw = lv.tile_width, th = lv.tile_height;
  Raster out(region.w, region.h, info_.bands, info_.sample_type);
  const std::size_t px = out.pixel_bytes();
  for (std::int64_t ty = region.y / th; ty <= (region.bottom() - 1) / th; ++ty) {
    for (std::int64_t tx = region.x / tw; tx <= (region.right() - 1) / tw; ++tx) {
      auto tile = decode_tile(level, tx, ty);
      if (!tile) return tile.error();
      const Rect tile_rect{tx * tw, ty * th, tile->width, tile->height};
      const Rect part = intersect(tile_rect, region);
      for (std::int64_t y = part.y; y < part.bottom(); ++y)
        std::memcpy(out.row(y - region.y) + static_cast<std::size_t>(part.x - region.x) * px,
                    tile->row(y - tile_rect.y) + static_cast<std::size_t>(part.x - tile_rect.x) * px,
                    static_cast<std::size_t>(part.w) * px);
    }
  }
  return out;
}

Result<Raster> TiffSource::decode_tile(std::size_t level, std::int64_t tile_x,
                                     std::int64_t tile_y) const {
  if (level >= info_.levels.size()) return make_error(Errc::internal, "pyramid level out of range");
  const LevelInfo& lv = info_.levels[level];
  const LevelLayout& layout = layout_[level];
  const std::int64_t x0 = tile_x * lv.tile_width;
  const std::int64_t y0 = tile_y * lv.tile_height;
  if (tile_x < 0 || tile_y < 0 || x0 >= lv.width || y0 >= lv.height)
    return make_error(Errc::internal, "tile index out of range");

  auto handle = acquire();
  if (!handle) return corrupt("cannot reopen file");
  TIFF* tif = handle->tif.get();
  if (handle->current_directory != layout.directory) {
    if (!TIFFSetDirectory(tif, layout.directory)) return corrupt("cannot read pyramid level");
    handle->current_directory = layout.directory;
    if (layout.jpeg_ycbcr) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
  }

  const tmsize_t tile_bytes = TIFFTileSize(tif);
  const std::size_t px = static_cast<std::size_t>(info_.bands);
  const std::size_t stored_row = static_cast<std::size_t>(lv.tile_width) * px;
  if (tile_bytes <= 0 || static_cast<std::size_t>(tile_bytes) < stored_row * lv.tile_height)
    return corrupt("unexpected tile size");
  std::vector<std::uint8_t> buffer(static_cast<std::size_t>(tile_bytes));
  const ttile_t index =
      TIFFComputeTile(tif, static_cast<std::uint32_t>(x0), static_cast<std::uint32_t>(y0), 0, 0);
  if (TIFFReadEncodedTile(tif, index, buffer.data(), tile_bytes) < 0) {
    std::string detail = handle->last_error;
    release(std::move(handle));
    spdlog::warn("tile read failed in {}: {}", path_.filename().string(), detail);
    return corrupt("tile data is damaged");
  }
  release(std::move(handle));

  // Edge tiles are stored padded to the full tile size; crop them to the level.
  Raster out(std::min<std::int64_t>(lv.tile_width, lv.width - x0),
             std::min<std::int64_t>(lv.tile_height, lv.height - y0), info_.bands);
  for (std::int64_t y = 0; y < out.height; ++y) {
    std::uint8_t* dst = out.row(y);
    std::memcpy(dst, buffer.data() + static_cast<std::size_t>(y) * stored_row, out.row_bytes());
    if (layout.min_is_white)
      for (std::size_t i = 0; i < out.row_bytes(); ++i)
        dst[i] = static_cast<std::uint8_t>(255 - dst[i]);
  }
  return out;
}

}  // namespace tessera
