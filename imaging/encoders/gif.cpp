// GIF output through giflib. Images with at most 256 colours keep them exactly; others are
// reduced with giflib's median cut. Alpha becomes 1-bit transparency at half coverage.

#include <gif_lib.h>

#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/encoders/encoder_support.hpp"

namespace tessera {
namespace {

// An indexed image ready for the GIF writer.
struct Indexed {
  std::vector<GifByteType> pixels;
  std::array<GifColorType, 256> palette{};
  int colours = 0;
  int transparent = -1;  // palette index, or -1
};

constexpr std::uint32_t empty_slot = 0xFFFFFFFF;

// Colour of pixel i as one key: grey, or 0xRRGGBB.
inline std::uint32_t key_of(const std::uint8_t* p, bool colour) {
  return colour ? (std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]) : p[0];
}

GifColorType colour_of(std::uint32_t key, bool colour) {
  if (!colour) {
    const auto v = static_cast<GifByteType>(key);
    return {v, v, v};
  }
  return {static_cast<GifByteType>(key >> 16), static_cast<GifByteType>(key >> 8),
          static_cast<GifByteType>(key)};
}

// Indexes opaque pixels with their exact colours if there are at most `limit` of them.
bool index_exactly(const Raster& r, int limit, Indexed& out) {
  const bool colour = r.bands >= 3;
  const int alpha = encoders::has_alpha(r) ? r.bands - 1 : -1;
  // Open addressing, four times the largest palette: short probes, no allocation per pixel.
  std::array<std::uint32_t, 1024> keys;
  std::array<std::uint8_t, 1024> slots;
  keys.fill(empty_slot);
  const std::size_t n = out.pixels.size();
  const std::uint8_t* p = r.data.data();
  for (std::size_t i = 0; i < n; ++i, p += r.bands) {
    if (alpha >= 0 && p[alpha] < 128) {
      out.pixels[i] = static_cast<GifByteType>(limit);  // the reserved index
      continue;
    }
    const std::uint32_t key = key_of(p, colour);
    std::size_t h = (key * 2654435761u) >> 22;  // top 10 bits
    while (keys[h] != key && keys[h] != empty_slot) h = (h + 1) & 1023;
    if (keys[h] == empty_slot) {
      if (out.colours == limit) return false;
      keys[h] = key;
      slots[h] = static_cast<std::uint8_t>(out.colours);
      out.palette[out.colours++] = colour_of(key, colour);
    }
    out.pixels[i] = slots[h];
  }
  return true;
}

// Grey with transparency and all 256 levels in use: 255 evenly spaced levels.
void index_grey_levels(const Raster& r, Indexed& out) {
  out.colours = 255;
  for (int i = 0; i < 255; ++i) {
    const auto v = static_cast<GifByteType>((i * 255 + 127) / 254);
    out.palette[i] = {v, v, v};
  }
  const std::uint8_t* p = r.data.data();
  for (std::size_t i = 0; i < out.pixels.size(); ++i, p += 2)
    out.pixels[i] = p[1] < 128 ? 255 : static_cast<GifByteType>((p[0] * 254 + 127) / 255);
}

// Median cut over the opaque pixels. giflib's quantiser keeps its sort axis in a global, so
// calls are serialised.
bool index_quantised(const Raster& r, int limit, Indexed& out) {
  const bool alpha = encoders::has_alpha(r);
  const std::size_t n = out.pixels.size();
  std::vector<GifByteType> red, green, blue;
  std::vector<std::size_t> where;
  red.reserve(n), green.reserve(n), blue.reserve(n), where.reserve(n);
  const std::uint8_t* p = r.data.data();
  for (std::size_t i = 0; i < n; ++i, p += r.bands) {
    if (alpha && p[3] < 128) {
      out.pixels[i] = static_cast<GifByteType>(limit);
      continue;
    }
    red.push_back(p[0]), green.push_back(p[1]), blue.push_back(p[2]), where.push_back(i);
  }
  std::vector<GifByteType> indices(where.size());
  int colours = limit;
  {
    static std::mutex quantiser;
    std::lock_guard lock(quantiser);
    if (GifQuantizeBuffer(static_cast<unsigned>(where.size()), 1, &colours, red.data(),
                          green.data(), blue.data(), indices.data(), out.palette.data()) != GIF_OK)
      return false;
  }
  // giflib's palette holds 5-bit colours; the mean of the pixels each entry stands for is
  // closer (white stays white).
  std::array<std::array<std::uint64_t, 4>, 256> sums{};
  for (std::size_t k = 0; k < where.size(); ++k) {
    auto& s = sums[indices[k]];
    s[0] += red[k], s[1] += green[k], s[2] += blue[k], ++s[3];
    out.pixels[where[k]] = indices[k];
  }
  for (int c = 0; c < colours; ++c) {
    const auto& s = sums[c];
    if (s[3] == 0) continue;
    const auto mean = [&](std::uint64_t v) {
      return static_cast<GifByteType>((v + s[3] / 2) / s[3]);
    };
    out.palette[c] = {mean(s[0]), mean(s[1]), mean(s[2])};
  }
  out.colours = colours;
  return true;
}

int write_bytes(GifFileType* gif, const GifByteType* data, int length) {
  try {
    static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), length);
  } catch (...) {
    return 0;  // giflib reports the short write
  }
  return length;
}

struct GifClose {
  void operator()(GifFileType* gif) const noexcept {
    int error = 0;
    EGifCloseFile(gif, &error);
  }
};
struct MapFree {
  void operator()(ColorMapObject* map) const noexcept { GifFreeMapObject(map); }
};

Result<std::string> write_gif(Indexed& image, int width, int height) {
  const auto failed = [](int code) {
    return make_error(Errc::internal, std::string("GIF encoding failed: ") + GifErrorString(code));
  };
  std::string bytes;
  int error = 0;
  std::unique_ptr<GifFileType, GifClose> gif(EGifOpen(&bytes, write_bytes, &error));
  if (!gif) return failed(error);
  const bool transparent = image.transparent >= 0;
  int size = 2;  // colour tables hold a power of two entries
  while (size < image.colours + (transparent ? 1 : 0)) size *= 2;
  std::unique_ptr<ColorMapObject, MapFree> map(GifMakeMapObject(size, image.palette.data()));
  if (!map) return make_error(Errc::internal, "GIF encoding failed: out of memory");
  EGifSetGifVersion(gif.get(), transparent);  // the control extension needs GIF89a
  if (EGifPutScreenDesc(gif.get(), width, height, 8, 0, map.get()) != GIF_OK)
    return failed(gif->Error);
  if (transparent) {
    const GraphicsControlBlock gcb{DISPOSAL_UNSPECIFIED, false, 0, image.transparent};
    GifByteType extension[4];
    EGifGCBToExtension(&gcb, extension);
    if (EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, 4, extension) != GIF_OK)
      return failed(gif->Error);
  }
  if (EGifPutImageDesc(gif.get(), 0, 0, width, height, false, nullptr) != GIF_OK)
    return failed(gif->Error);
  for (int y = 0; y < height; ++y)
    if (EGifPutLine(gif.get(), image.pixels.data() + static_cast<std::size_t>(y) * width, width) !=
        GIF_OK)
      return failed(gif->Error);
  if (EGifCloseFile(gif.release(), &error) != GIF_OK) return failed(error);
  return bytes;
}

}  // namespace

Result<std::string> encode_gif(const Raster& raster, const EncodeOptions&, const EncodeMetadata&) {
  Raster scratch;
  auto prepared = encoders::prepare_raster(raster, {"GIF", 65535, true, false}, scratch);
  if (!prepared) return prepared.error();
  const Raster& r = **prepared;

  Indexed image;
  image.pixels.resize(static_cast<std::size_t>(r.width * r.height));
  bool any_transparent = false;
  if (encoders::has_alpha(r)) {
    const std::size_t n = image.pixels.size();
    const std::uint8_t* a = r.data.data() + r.bands - 1;
    for (std::size_t i = 0; i < n && !any_transparent; ++i, a += r.bands)
      any_transparent = *a < 128;
  }
  const int limit = any_transparent ? 255 : 256;
  if (r.bands == 1) {
    // Opaque grey: the palette is the 256 grey levels and each pixel indexes its own.
    for (int i = 0; i < 256; ++i) {
      const auto v = static_cast<GifByteType>(i);
      image.palette[i] = {v, v, v};
    }
    image.colours = 256;
    image.pixels.assign(r.data.begin(), r.data.end());
  } else if (!index_exactly(r, limit, image)) {
    image.colours = 0;
    if (r.bands <= 2) {
      index_grey_levels(r, image);
    } else if (!index_quantised(r, limit, image)) {
      return make_error(Errc::internal, "GIF encoding failed: colour quantisation");
    }
  }
  if (any_transparent) {
    image.transparent = image.colours;
    // Pixels below half coverage were given `limit` as a placeholder.
    if (image.colours != limit)
      for (std::size_t i = 0; i < image.pixels.size(); ++i)
        if (r.data[i * r.bands + r.bands - 1] < 128)
          image.pixels[i] = static_cast<GifByteType>(image.colours);
  }
  return write_gif(image, static_cast<int>(r.width), static_cast<int>(r.height));
}

}  // namespace tessera
