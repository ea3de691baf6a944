#include "tests/support/tiff_writer.hpp"

#include <cmath>
#include <cstdarg>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tessera::testing {
namespace {

struct Closer {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};

bool lossy(const TiffSpec& s) {
  return s.compression == COMPRESSION_JPEG;
}

std::uint32_t level_size(std::uint32_t full, int level) {
  return static_cast<std::uint32_t>((static_cast<std::uint64_t>(full) + (1u << level) - 1) >>
                                    level);
}

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("write_tiff: ") + what);
}

// Stores `v` as sample `i` of a row packed at `bits` per sample, in host byte order.
void put_sample(std::uint8_t* row, std::uint64_t i, const TiffSpec& s, double v) {
  if (s.sample_format == SAMPLEFORMAT_IEEEFP) {
    if (s.bits == 16) {  // half float: a constant 1.0 is enough for the tests
      const std::uint16_t one = 0x3C00;
      std::memcpy(row + 2 * i, &one, 2);
    } else if (s.bits == 64) {
      std::memcpy(row + 8 * i, &v, 8);
    } else {
      const auto f = static_cast<float>(v);
      std::memcpy(row + 4 * i, &f, 4);
    }
    return;
  }
  const auto raw = static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
  switch (s.bits) {
    case 8:
      row[i] = static_cast<std::uint8_t>(raw);
      return;
    case 16: {
      const auto u = static_cast<std::uint16_t>(raw);
      std::memcpy(row + 2 * i, &u, 2);
      return;
    }
    case 32: {
      const auto u = static_cast<std::uint32_t>(raw);
      std::memcpy(row + 4 * i, &u, 4);
      return;
    }
    default: {
      const std::uint64_t bit = i * s.bits;
      const int shift = 8 - s.bits - static_cast<int>(bit & 7);
      row[bit >> 3] |= static_cast<std::uint8_t>((raw & ((1u << s.bits) - 1)) << shift);
    }
  }
}

void set_fields(TIFF* tif, const TiffSpec& s, std::uint32_t w, std::uint32_t h, bool reduced,
                bool first_page) {
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, w);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, s.samples);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, s.bits);
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, s.sample_format);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, s.planar);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, s.photometric);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, s.compression);
  if (reduced) TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
  if (s.predictor != PREDICTOR_NONE) TIFFSetField(tif, TIFFTAG_PREDICTOR, s.predictor);
  if (s.compression == COMPRESSION_JPEG) {
    TIFFSetField(tif, TIFFTAG_JPEGQUALITY, s.jpeg_quality);
    if (s.photometric == PHOTOMETRIC_YCBCR) {
      TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, s.ycbcr_h, s.ycbcr_v);
      TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
  }
  if (s.compression == COMPRESSION_WEBP) TIFFSetField(tif, TIFFTAG_WEBP_LOSSLESS, 1);
  if (s.photometric == PHOTOMETRIC_YCBCR && s.compression != COMPRESSION_JPEG)
    TIFFSetField(tif, TIFFTAG_YCBCRSUBSAMPLING, 1, 1);
  if (s.photometric == PHOTOMETRIC_SEPARATED) TIFFSetField(tif, TIFFTAG_INKSET, INKSET_CMYK);
  if (!s.extra_samples.empty())
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, static_cast<std::uint16_t>(s.extra_samples.size()),
                 s.extra_samples.data());
  if (s.photometric == PHOTOMETRIC_PALETTE) {
    const std::uint32_t n = 1u << s.bits;
    std::vector<std::uint16_t> map(3 * n);
    for (int c = 0; c < 3; ++c)
      for (std::uint32_t i = 0; i < n; ++i) map[c * n + i] = palette_entry(c, i);
    TIFFSetField(tif, TIFFTAG_COLORMAP, map.data(), map.data() + n, map.data() + 2 * n);
  }
  if (s.tile_width) {
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, s.tile_width);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, s.tile_height);
  } else {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, s.rows_per_strip);
  }
  if (!first_page) return;
  if (s.sample_range) {
    TIFFSetField(tif, TIFFTAG_SMINSAMPLEVALUE, s.smin);
    TIFFSetField(tif, TIFFTAG_SMAXSAMPLEVALUE, s.smax);
  }
  if (!s.icc.empty())
    TIFFSetField(tif, TIFFTAG_ICCPROFILE, static_cast<std::uint32_t>(s.icc.size()), s.icc.data());
  if (!s.xmp.empty())
    TIFFSetField(tif, TIFFTAG_XMLPACKET, static_cast<std::uint32_t>(s.xmp.size()), s.xmp.data());
  if (s.dpi > 0) {
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_CENTIMETER);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, s.dpi / 2.54f);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, s.dpi / 2.54f);
  }
  for (const auto& [tag, value] : s.tags) TIFFSetField(tif, tag, value.c_str());
}

void write_page(TIFF* tif, const TiffSpec& s, int image, int level, bool first_page) {
  const std::uint32_t w = level_size(s.width, level), h = level_size(s.height, level);
  set_fields(tif, s, w, h, level > 0, first_page);
  const bool separate = s.planar == PLANARCONFIG_SEPARATE && s.samples > 1;
  const int planes = separate ? s.samples : 1;
  const int per_pixel = separate ? 1 : s.samples;
  const std::uint32_t bw = s.tile_width ? s.tile_width : w;
  const std::uint32_t bh = s.tile_width ? s.tile_height : s.rows_per_strip;
  const std::uint64_t row_bytes = (static_cast<std::uint64_t>(bw) * per_pixel * s.bits + 7) / 8;
  for (std::uint32_t by = 0; by < h; by += bh)
    for (std::uint32_t bx = 0; bx < w; bx += bw)
      for (int p = 0; p < planes; ++p) {
        const std::uint32_t rows = s.tile_width ? bh : std::min(bh, h - by);
        std::vector<std::uint8_t> block(row_bytes * rows, 0);
        for (std::uint32_t y = 0; y < rows && by + y < h; ++y)
          for (std::uint32_t x = 0; x < bw && bx + x < w; ++x)
            for (int k = 0; k < per_pixel; ++k) {
              const int band = separate ? p : k;
              put_sample(block.data() + y * row_bytes,
                         static_cast<std::uint64_t>(x) * per_pixel + k, s,
                         written_value(s, image, level, bx + x, by + y, band));
            }
        const auto size = static_cast<tmsize_t>(block.size());
        const auto plane = static_cast<std::uint16_t>(p);
        const tmsize_t n =
            s.tile_width
                ? TIFFWriteEncodedTile(tif, TIFFComputeTile(tif, bx, by, 0, plane), block.data(),
                                       size)
                : TIFFWriteEncodedStrip(tif, TIFFComputeStrip(tif, by, plane), block.data(), size);
        check(n >= 0, "cannot write a block");
      }
  check(TIFFWriteDirectory(tif) != 0, "cannot write a directory");
}

void write_thumbnail(TIFF* tif, const TiffSpec& s) {
  TiffSpec t = s;
  t.tile_width = 0;
  t.rows_per_strip = 8;
  t.width = 37;  // an aspect ratio unlike the image's
  t.height = 50;
  write_page(tif, t, 0, 0, false);
}

}  // namespace

std::uint16_t palette_entry(int c, std::uint32_t i) {
  return static_cast<std::uint16_t>(((i * (37 + 50 * c)) % 256) * 257);
}

double written_value(const TiffSpec& s, int image, int level, std::int64_t x, std::int64_t y,
                     int band) {
  if (s.sample_format == SAMPLEFORMAT_IEEEFP)
    return std::sin(0.05 * x + band) * 1000.0 + 0.25 * y + 3 * level + 7 * image;
  if (lossy(s)) {  // smooth, so JPEG keeps it within a few levels
    const std::int64_t t = (x + 2 * y + 40 * band + 10 * level + 20 * image) % 510;
    return static_cast<double>(t < 256 ? t : 510 - t);
  }
  if (s.photometric == PHOTOMETRIC_YCBCR && band > 0) return 128;
  if (s.photometric == PHOTOMETRIC_SEPARATED && band < 3) return 0;
  std::uint64_t a = 7, b = 13;
  if (s.bits == 16) a = 263, b = 131;
  if (s.bits == 32) a = 16777259, b = 131071;
  const std::uint64_t h = static_cast<std::uint64_t>(x) * a + static_cast<std::uint64_t>(y) * b +
                          static_cast<std::uint64_t>(band) * 50 + level * 31u + image * 17u;
  const std::uint64_t mask = s.bits >= 64 ? ~0ull : (1ull << s.bits) - 1;
  const std::uint64_t v = h & mask;
  const bool lab_ab = s.photometric == PHOTOMETRIC_CIELAB && band > 0;
  if (s.sample_format == SAMPLEFORMAT_INT || lab_ab)
    return static_cast<double>(static_cast<std::int64_t>(v) - (std::int64_t{1} << (s.bits - 1)));
  return static_cast<double>(v);
}

void write_tiff(const std::filesystem::path& path, const TiffSpec& s) {
  std::string mode = "w";
  if (s.bigtiff) mode += "8";
  mode += s.big_endian ? "b" : "l";
  // libtiff's advice about legacy codec identifiers is expected here: keep it off the output.
  TIFFOpenOptions* options = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetWarningHandlerExtR(
      options, [](TIFF*, void*, const char*, const char*, va_list) { return 1; }, nullptr);
  std::unique_ptr<TIFF, Closer> tif(TIFFOpenExt(path.c_str(), mode.c_str(), options));
  TIFFOpenOptionsFree(options);
  check(tif != nullptr, "cannot create the file");
  for (int image = 0; image < s.images; ++image) {
    const bool first = image == 0;
    switch (s.layout) {
      case TiffLayout::pages:
        write_page(tif.get(), s, image, 0, first);
        if (s.thumbnail) write_thumbnail(tif.get(), s);
        for (int k = 1; k < s.levels; ++k) write_page(tif.get(), s, image, k, false);
        break;
      case TiffLayout::pages_reversed:
        for (int k = s.levels - 1; k >= 1; --k) write_page(tif.get(), s, image, k, false);
        write_page(tif.get(), s, image, 0, first);
        break;
      case TiffLayout::subifds: {
        const auto n = static_cast<std::uint16_t>(s.levels - 1);
        std::vector<std::uint64_t> offsets(n, 0);
        if (n > 0) TIFFSetField(tif.get(), TIFFTAG_SUBIFD, n, offsets.data());
        write_page(tif.get(), s, image, 0, first);
        for (int k = 1; k < s.levels; ++k) write_page(tif.get(), s, image, k, false);
        break;
      }
    }
  }
}

}  // namespace tessera::testing
