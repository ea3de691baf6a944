#include "imaging/tiff_directory.hpp"

#include <algorithm>
#include <cmath>

namespace tessera {
namespace {

constexpr std::size_t max_directories = 4096;
// Multispectral images have dozens of bands; thousands would be a hostile file.
constexpr std::uint16_t max_samples = 512;

std::string tag_string(TIFF* tif, ttag_t tag) {
  const char* value = nullptr;
  if (TIFFGetField(tif, tag, &value) && value) return value;
  return {};
}

std::string tag_bytes(TIFF* tif, ttag_t tag) {
  std::uint32_t count = 0;
  const void* data = nullptr;
  if (TIFFGetField(tif, tag, &count, &data) && data && count > 0)
    return std::string(static_cast<const char*>(data), count);
  return {};
}

Error unsupported(std::string what) {
  return make_error(Errc::not_implemented, "this TIFF is not supported: " + std::move(what));
}

// Decides how the directory's samples become pixels, or why they cannot.
void classify(TiffDirectory& d) {
  const bool uint = d.sample_format == SAMPLEFORMAT_UINT;
  const bool sint = d.sample_format == SAMPLEFORMAT_INT;
  const bool fp = d.sample_format == SAMPLEFORMAT_IEEEFP;
  if (d.width == 0 || d.height == 0 || d.samples == 0 || d.tile_width == 0 || d.tile_height == 0) {
    d.unsupported = make_error(Errc::corrupt_image, "image could not be read: invalid dimensions");
    return;
  }
  if (d.samples > max_samples) {
    d.unsupported = unsupported("more than " + std::to_string(max_samples) + " samples per pixel");
    return;
  }
  if (!TIFFIsCODECConfigured(d.compression)) {
    d.unsupported = unsupported("compression " + std::to_string(d.compression));
    return;
  }
  d.out_bands = d.samples;
  switch (d.photometric) {
    case PHOTOMETRIC_PALETTE:
      if (d.samples != 1 || !d.colour_map || d.bits > 16 || !uint)
        d.unsupported = unsupported("invalid palette image");
      d.pixels = TiffPixels::palette;
      d.out_bands = 3;
      d.alpha = false;
      return;
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
      if (d.samples < 3 || (d.bits != 8 && d.bits != 16))
        d.unsupported = unsupported("CIELAB needs 3 samples of 8 or 16 bits");
      d.pixels = TiffPixels::cielab;
      d.out_bands = 3;
      d.alpha = false;
      return;
    case PHOTOMETRIC_YCBCR:
    case PHOTOMETRIC_SEPARATED:
      if (d.photometric == PHOTOMETRIC_YCBCR && d.compression == COMPRESSION_JPEG) break;
      if (d.bits != 8) d.unsupported = unsupported("YCbCr and CMYK need 8-bit samples");
      d.pixels = TiffPixels::rgba;
      d.alpha = d.alpha && d.photometric == PHOTOMETRIC_YCBCR;
      d.out_bands = d.alpha ? 4 : 3;
      return;
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
    case PHOTOMETRIC_RGB:
      break;
    default:
      d.unsupported = unsupported("photometric interpretation " + std::to_string(d.photometric));
      return;
  }
  if (d.compression == COMPRESSION_OJPEG) {
    d.pixels = TiffPixels::rgba;
    d.out_bands = d.alpha ? 4 : 3;
    return;
  }
  if (uint && (d.bits == 1 || d.bits == 2 || d.bits == 4)) {
    d.pixels = TiffPixels::subbyte;
  } else if (((uint || sint) && (d.bits == 8 || d.bits == 16 || d.bits == 32)) ||
             (fp && (d.bits == 32 || d.bits == 64))) {
    d.pixels = TiffPixels::direct;
  } else {
    d.unsupported = unsupported(std::to_string(d.bits) + "-bit " +
                                (fp     ? "float"
                                 : sint ? "signed"
                                        : "unsigned") +
                                " samples");
  }
}

bool same_aspect(const TiffDirectory& full, const TiffDirectory& p) {
  // Each halving may round by one pixel, so allow that much relative error in either axis.
  const double rx = static_cast<double>(full.width) / p.width;
  const double ry = static_cast<double>(full.height) / p.height;
  const double tolerance = std::max(rx, ry) * 2.0 / std::min(p.width, p.height) + 1e-9;
  return std::abs(rx - ry) / std::max(rx, ry) <= tolerance;
}

bool is_level_of(const TiffDirectory& full, const TiffDirectory& p) {
  return p.decodable() && p.width < full.width && p.height < full.height &&
         p.samples == full.samples && p.bits == full.bits &&
         p.sample_format == full.sample_format && p.pixels == full.pixels &&
         p.out_bands == full.out_bands && (p.tiled || !full.tiled) &&
         (p.subfile_type & FILETYPE_MASK) == 0 && same_aspect(full, p);
}

}  // namespace

TiffDirectory read_directory(TIFF* tif) {
  TiffDirectory d;
  d.offset = TIFFCurrentDirOffset(tif);
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &d.width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &d.height);
  d.tiled = TIFFIsTiled(tif) != 0;
  if (d.tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &d.tile_width);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &d.tile_height);
  } else {
    std::uint32_t rows = 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows);
    d.tile_width = d.width;
    d.tile_height = std::min(rows, d.height);
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &d.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &d.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &d.sample_format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &d.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &d.compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &d.subfile_type);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &d.photometric))
    d.photometric = d.samples >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (d.sample_format == SAMPLEFORMAT_VOID) d.sample_format = SAMPLEFORMAT_UINT;

  std::uint16_t extra = 0;
  const std::uint16_t* types = nullptr;
  if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extra, &types) && extra > 0 && types) {
    d.extra_samples = extra;
    d.alpha = types[extra - 1] == EXTRASAMPLE_ASSOCALPHA ||
              types[extra - 1] == EXTRASAMPLE_UNASSALPHA ||
              (types[extra - 1] == EXTRASAMPLE_UNSPECIFIED && extra == 1);
  }
  const bool grey =
      d.photometric == PHOTOMETRIC_MINISBLACK || d.photometric == PHOTOMETRIC_MINISWHITE;
  if (grey && d.alpha && d.samples != 2) d.alpha = false;  // multispectral bands, not alpha
  if (d.photometric == PHOTOMETRIC_RGB && d.samples < 4) d.alpha = false;

  double lo = 0, hi = 0;
  if (TIFFGetField(tif, TIFFTAG_SMINSAMPLEVALUE, &lo) &&
      TIFFGetField(tif, TIFFTAG_SMAXSAMPLEVALUE, &hi) && std::isfinite(lo) && std::isfinite(hi) &&
      hi > lo) {
    d.has_sample_range = true;
    d.smin = lo;
    d.smax = hi;
  }
  float xres = 0, yres = 0;
  std::uint16_t unit = RESUNIT_INCH;
  TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  const double per_inch = unit == RESUNIT_CENTIMETER ? 2.54 : unit == RESUNIT_INCH ? 1.0 : 0.0;
  if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && std::isfinite(xres) && xres > 0)
    d.dpi_x = xres * per_inch;
  if (TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres) && std::isfinite(yres) && yres > 0)
    d.dpi_y = yres * per_inch;
  const float* white = nullptr;
  if (TIFFGetField(tif, TIFFTAG_WHITEPOINT, &white) && white && white[0] > 0 && white[1] > 0 &&
      white[0] + white[1] < 1) {
    d.white_x = white[0];
    d.white_y = white[1];
  }
  d.icc = tag_bytes(tif, TIFFTAG_ICCPROFILE);
  d.xmp = tag_bytes(tif, TIFFTAG_XMLPACKET);

  const std::pair<ttag_t, const char*> tags[] = {{TIFFTAG_IMAGEDESCRIPTION, "description"},
                                                 {TIFFTAG_ARTIST, "creator"},
                                                 {TIFFTAG_COPYRIGHT, "rights"},
                                                 {TIFFTAG_DATETIME, "date"},
                                                 {TIFFTAG_SOFTWARE, "software"},
                                                 {TIFFTAG_MAKE, "make"},
                                                 {TIFFTAG_MODEL, "model"},
                                                 {TIFFTAG_DOCUMENTNAME, "title"}};
  for (const auto& [tag, key] : tags)
    if (auto v = tag_string(tif, tag); !v.empty()) d.metadata[key] = std::move(v);

  if (d.photometric == PHOTOMETRIC_PALETTE && d.bits <= 16) {
    const std::uint16_t *r = nullptr, *g = nullptr, *b = nullptr;
    if (TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b) && r && g && b) {
      const std::size_t n = std::size_t{1} << d.bits;
      auto map = std::make_shared<std::vector<std::uint16_t>>();
      map->reserve(3 * n);
      map->insert(map->end(), r, r + n);
      map->insert(map->end(), g, g + n);
      map->insert(map->end(), b, b + n);
      // Some writers store 8-bit values; scale them so every map is 16-bit.
      if (std::all_of(map->begin(), map->end(), [](std::uint16_t v) { return v < 256; }))
        for (auto& v : *map) v = static_cast<std::uint16_t>(v * 257);
      d.colour_map = std::move(map);
    }
  }
  std::uint16_t nsub = 0;
  const std::uint64_t* subs = nullptr;
  if (TIFFGetField(tif, TIFFTAG_SUBIFD, &nsub, &subs) && subs)
    d.subifds.assign(subs, subs + std::min<std::uint16_t>(nsub, 64));
  classify(d);
  char message[1024] = {};
  if (d.decodable() && d.pixels == TiffPixels::rgba && !TIFFRGBAImageOK(tif, message))
    d.unsupported = unsupported(message);
  return d;
}

std::vector<TiffDirectory> scan_directories(TIFF* tif) {
  std::vector<TiffDirectory> dirs;
  do {
    dirs.push_back(read_directory(tif));
  } while (dirs.size() < max_directories && TIFFReadDirectory(tif));
  const std::size_t top = dirs.size();
  for (std::size_t i = 0; i < top; ++i) {
    const std::vector<std::uint64_t> children = dirs[i].subifds;
    for (std::uint64_t offset : children) {
      if (dirs.size() >= max_directories || !TIFFSetSubDirectory(tif, offset)) continue;
      TiffDirectory d = read_directory(tif);
      d.from_subifd = true;
      d.parent = static_cast<int>(i);
      d.subifds.clear();  // deeper nesting is not a pyramid layout anyone writes
      dirs.push_back(std::move(d));
    }
  }
  return dirs;
}

Result<std::vector<TiffImage>> group_images(const std::vector<TiffDirectory>& dirs) {
  std::vector<std::size_t> top;
  for (std::size_t i = 0; i < dirs.size(); ++i)
    if (!dirs[i].from_subifd && dirs[i].decodable() && (dirs[i].subfile_type & FILETYPE_MASK) == 0)
      top.push_back(i);
  if (top.empty()) {
    if (!dirs.empty() && !dirs.front().decodable()) return dirs.front().unsupported;
    return make_error(Errc::corrupt_image, "image could not be read: no image in the file");
  }
  const auto area = [&](std::size_t i) {
    return static_cast<std::uint64_t>(dirs[i].width) * dirs[i].height;
  };
  const std::size_t largest =
      *std::max_element(top.begin(), top.end(), [&](auto a, auto b) { return area(a) < area(b); });

  std::vector<std::size_t> members;
  for (std::size_t i : top)
    if (dirs[i].width == dirs[largest].width && dirs[i].height == dirs[largest].height &&
        (dirs[i].subfile_type & FILETYPE_REDUCEDIMAGE) == 0)
      members.push_back(i);
  if (members.empty()) members.push_back(largest);

  std::vector<TiffImage> images;
  for (std::size_t m = 0; m < members.size(); ++m) {
    const TiffDirectory& full = dirs[members[m]];
    // A single image takes reduced pages from anywhere; in a stack, those between its members.
    const std::size_t from = members.size() == 1 ? 0 : members[m] + 1;
    const std::size_t to =
        members.size() == 1 || m + 1 == members.size() ? dirs.size() : members[m + 1];
    std::vector<std::size_t> levels;
    for (std::size_t i = 0; i < dirs.size(); ++i) {
      const bool ours = dirs[i].from_subifd ? dirs[i].parent == static_cast<int>(members[m])
                                            : (i >= from && i < to);
      if (i != members[m] && ours && is_level_of(full, dirs[i])) levels.push_back(i);
    }
    std::sort(levels.begin(), levels.end(),
              [&](auto a, auto b) { return dirs[a].width > dirs[b].width; });
    levels.erase(std::unique(levels.begin(), levels.end(),
                             [&](auto a, auto b) { return dirs[a].width == dirs[b].width; }),
                 levels.end());
    levels.insert(levels.begin(), members[m]);
    images.push_back(TiffImage{std::move(levels)});
  }
  return images;
}

}  // namespace tessera
