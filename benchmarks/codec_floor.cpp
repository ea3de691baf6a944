// The codec floor of one 256x256 tile on this machine: what the libraries alone cost per tile,
// with no server around them. The load benchmark (benchmarks/load/run.sh) prints these next to
// each server's CPU time per request, so "how far above the floor" is read off one table.
//
// Usage: codec_floor [--quality Q] [--iterations N] [--deflate F.tif] [--jpeg F.tif]
//                    [--jpeg-rgb F.tif] [--jp2 F.jp2]
// Each TIFF is tiled; its middle tile of the first directory is measured. For the JPEG2000 file,
// the middle 256x256 area at full resolution, decoded the way a server without a header cache
// must: open, read the main header, decode the area (and the header read alone). Without files
// only the TurboJPEG encode is measured, on a synthetic textured tile. Output: one line per
// measurement, "floor NAME cpu_us=MEDIAN min_us=MIN bytes=B" (thread CPU time per tile).

#include <openjpeg.h>
#include <tiffio.h>
#include <time.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

bool g_failed = false;  // a file could not be read or a measured call failed: exit status 1

struct TiffCloser {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

struct TjDestroy {
  void operator()(void* h) const noexcept { tjDestroy(h); }
};
using TjPtr = std::unique_ptr<void, TjDestroy>;

struct TjFree {
  void operator()(unsigned char* p) const noexcept { tjFree(p); }
};

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// Runs fn in 31 batches of iterations/31 calls after a warm-up; thread CPU time rather than wall
// time, so other processes on a busy machine do not inflate the result.
void measure(const std::string& name, int iterations, std::size_t bytes,
             const std::function<bool()>& fn) {
  constexpr int kBatches = 31;
  const int per_batch = std::max(1, iterations / kBatches);
  for (int i = 0; i < per_batch; ++i) {
    if (!fn()) {
      std::printf("floor %s failed\n", name.c_str());
      g_failed = true;
      return;
    }
  }
  std::vector<double> per_call;
  for (int b = 0; b < kBatches; ++b) {
    const double t0 = thread_cpu_us();
    for (int i = 0; i < per_batch; ++i) fn();
    per_call.push_back((thread_cpu_us() - t0) / per_batch);
  }
  std::sort(per_call.begin(), per_call.end());
  std::printf("floor %s cpu_us=%.1f min_us=%.1f bytes=%zu\n", name.c_str(),
              per_call[per_call.size() / 2], per_call.front(), bytes);
  std::fflush(stdout);
}

// A tiled TIFF opened on its middle tile of the first directory.
struct TileFile {
  TiffPtr tif;
  uint32_t tile = 0;
  uint32_t width = 0, height = 0;  // the tile's size
  uint16_t bands = 0, bits = 0;

  static TileFile open(const std::string& path, bool jpeg_to_rgb) {
    TileFile f;
    f.tif.reset(TIFFOpen(path.c_str(), "r"));
    if (!f.tif || !TIFFIsTiled(f.tif.get())) {
      std::fprintf(stderr, "codec_floor: %s is not a readable tiled TIFF\n", path.c_str());
      f.tif.reset();
      g_failed = true;
      return f;
    }
    TIFF* t = f.tif.get();
    uint32_t w = 0, h = 0;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetField(t, TIFFTAG_TILEWIDTH, &f.width);
    TIFFGetField(t, TIFFTAG_TILELENGTH, &f.height);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &f.bands);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &f.bits);
    uint16_t photometric = 0;
    TIFFGetField(t, TIFFTAG_PHOTOMETRIC, &photometric);
    // A server wants RGB out of a YCbCr JPEG tile; libjpeg does the conversion.
    if (jpeg_to_rgb && photometric == PHOTOMETRIC_YCBCR) {
      TIFFSetField(t, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
    f.tile = TIFFComputeTile(t, w / 2, h / 2, 0, 0);
    return f;
  }
};

// libtiff's full decode of the tile (read from the page cache, decompress, predictor, colour).
void decode_with_libtiff(const std::string& name, const std::string& path, int iterations) {
  TileFile f = TileFile::open(path, true);
  if (!f.tif) return;
  const tmsize_t size = TIFFTileSize(f.tif.get());
  std::vector<unsigned char> buf(static_cast<std::size_t>(size));
  measure(name, iterations, buf.size(),
          [&] { return TIFFReadEncodedTile(f.tif.get(), f.tile, buf.data(), size) > 0; });
}

// The stored JPEG tile made into a whole JPEG stream: the JPEGTables (without their EOI) followed
// by the tile's own segments (without their SOI). This is what pass-through serves.
bool assemble_jpeg(TIFF* t, uint32_t tile, std::vector<unsigned char>& raw,
                   std::vector<unsigned char>& out) {
  const tmsize_t n = TIFFReadRawTile(t, tile, raw.data(), static_cast<tmsize_t>(raw.size()));
  if (n < 4) return false;
  uint32_t table_size = 0;
  void* tables = nullptr;
  out.clear();
  if (TIFFGetField(t, TIFFTAG_JPEGTABLES, &table_size, &tables) && table_size > 4) {
    const auto* p = static_cast<const unsigned char*>(tables);
    out.insert(out.end(), p, p + table_size - 2);
    out.insert(out.end(), raw.begin() + 2, raw.begin() + n);
  } else {
    out.insert(out.end(), raw.begin(), raw.begin() + n);
  }
  return true;
}

void jpeg_stream_floors(const std::string& path, int iterations) {
  TileFile f = TileFile::open(path, false);
  if (!f.tif) return;
  const uint64_t* counts = nullptr;
  std::vector<unsigned char> raw, stream;
  if (TIFFGetField(f.tif.get(), TIFFTAG_TILEBYTECOUNTS, &counts)) raw.resize(counts[f.tile] + 16);
  if (raw.empty() || !assemble_jpeg(f.tif.get(), f.tile, raw, stream)) {
    std::printf("floor passthrough_read_assemble failed\n");
    g_failed = true;
    return;
  }
  measure("passthrough_read_assemble", iterations, stream.size(),
          [&] { return assemble_jpeg(f.tif.get(), f.tile, raw, stream); });

  TjPtr tj(tjInitDecompress());
  std::vector<unsigned char> rgb(std::size_t{f.width} * f.height * 3);
  measure("turbojpeg_decode_ycbcr", iterations, rgb.size(), [&] {
    return tjDecompress2(tj.get(), stream.data(), stream.size(), rgb.data(),
                         static_cast<int>(f.width), 0, static_cast<int>(f.height), TJPF_RGB,
                         0) == 0;
  });
}

// The tile to encode: the decoded deflate tile when there is one (photographic content), else
// a gradient with a deterministic texture.
std::vector<unsigned char> tile_to_encode(const std::string& deflate_path) {
  std::vector<unsigned char> rgb(256 * 256 * 3);
  if (!deflate_path.empty()) {
    TileFile f = TileFile::open(deflate_path, true);
    if (f.tif && f.width == 256 && f.height == 256 && f.bands == 3 && f.bits == 8 &&
        TIFFReadEncodedTile(f.tif.get(), f.tile, rgb.data(), static_cast<tmsize_t>(rgb.size())) >
            0) {
      return rgb;
    }
  }
  uint32_t state = 12345;
  for (std::size_t i = 0; i < rgb.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    const std::size_t px = i / 3;
    rgb[i] = static_cast<unsigned char>((px % 256 + px / 256 + (state >> 28)) & 0xff);
  }
  return rgb;
}

void encode_floor(const std::vector<unsigned char>& rgb, int quality, int iterations) {
  TjPtr tj(tjInitCompress());
  const int subsampling = quality >= 90 ? TJSAMP_444 : TJSAMP_420;  // Tessera's "auto"
  unsigned long size = 0;
  const auto encode = [&] {
    unsigned char* out = nullptr;
    const int rc = tjCompress2(tj.get(), rgb.data(), 256, 0, 256, TJPF_RGB, &out, &size,
                               subsampling, quality, 0);
    std::unique_ptr<unsigned char, TjFree> owned(out);
    return rc == 0;
  };
  encode();
  measure("turbojpeg_encode_q" + std::to_string(quality) +
              (subsampling == TJSAMP_420 ? "_420" : "_444"),
          iterations, size, encode);
}

struct OpjCodec {
  void operator()(opj_codec_t* c) const noexcept { opj_destroy_codec(c); }
};
struct OpjStream {
  void operator()(opj_stream_t* s) const noexcept { opj_stream_destroy(s); }
};
struct OpjImage {
  void operator()(opj_image_t* i) const noexcept { opj_image_destroy(i); }
};

// Opens the file, reads its main header and, when decode is set, decodes the 256x256 area at the
// middle of the full resolution on one thread. Returns false on any failure.
bool jp2_read(const std::string& path, bool decode) {
  std::unique_ptr<opj_stream_t, OpjStream> stream(
      opj_stream_create_default_file_stream(path.c_str(), OPJ_TRUE));
  const bool j2k = path.size() > 4 && path.compare(path.size() - 4, 4, ".j2k") == 0;
  std::unique_ptr<opj_codec_t, OpjCodec> codec(
      opj_create_decompress(j2k ? OPJ_CODEC_J2K : OPJ_CODEC_JP2));
  if (!stream || !codec) return false;
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params)) return false;
  opj_codec_set_threads(codec.get(), 1);
  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) return false;
  std::unique_ptr<opj_image_t, OpjImage> image(raw);
  if (!decode) return true;
  const auto x0 = static_cast<OPJ_INT32>((image->x0 + image->x1) / 2 / 256 * 256);
  const auto y0 = static_cast<OPJ_INT32>((image->y0 + image->y1) / 2 / 256 * 256);
  return opj_set_decode_area(codec.get(), image.get(), x0, y0, x0 + 256, y0 + 256) &&
         opj_decode(codec.get(), stream.get(), image.get()) &&
         opj_end_decompress(codec.get(), stream.get());
}

void jp2_floors(const std::string& path, int iterations) {
  const int n = std::max(31, iterations / 50);  // each call takes milliseconds, not microseconds
  measure("openjpeg_open_read_header", n, 0, [&] { return jp2_read(path, false); });
  measure("openjpeg_open_decode_tile", n, 256 * 256 * 3, [&] { return jp2_read(path, true); });
}

}  // namespace

int main(int argc, char** argv) {
  int quality = 75, iterations = 3000;
  std::string deflate, jpeg, jpeg_rgb, jp2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--quality") {
      quality = std::clamp(std::atoi(value.c_str()), 1, 100);
    } else if (flag == "--iterations") {
      iterations = std::max(31, std::atoi(value.c_str()));
    } else if (flag == "--deflate") {
      deflate = value;
    } else if (flag == "--jpeg") {
      jpeg = value;
    } else if (flag == "--jpeg-rgb") {
      jpeg_rgb = value;
    } else if (flag == "--jp2") {
      jp2 = value;
    } else {
      std::fprintf(stderr, "codec_floor: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  TIFFSetWarningHandler(nullptr);

  encode_floor(tile_to_encode(deflate), quality, iterations);
  if (!deflate.empty()) decode_with_libtiff("tiff_deflate_decode", deflate, iterations);
  if (!jpeg.empty()) {
    decode_with_libtiff("tiff_jpeg_ycbcr_decode", jpeg, iterations);
    jpeg_stream_floors(jpeg, iterations);
  }
  if (!jpeg_rgb.empty()) decode_with_libtiff("tiff_jpeg_rgb_decode", jpeg_rgb, iterations);
  if (!jp2.empty()) jp2_floors(jp2, iterations);
  return g_failed ? 1 : 0;
}
