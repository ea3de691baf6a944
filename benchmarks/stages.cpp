// Micro-benchmarks of each pipeline stage on synthetic images (see benchmarks/RESULTS.md).
// The images are the bundled sample's drawing, so they have edges and gradients like a photo.

#include <benchmark/benchmark.h>
#include <turbojpeg.h>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <unistd.h>
#include <filesystem>
#include <map>
#include <memory>

#include "imaging/encoder.hpp"
#include "imaging/engine.hpp"
#include "imaging/pipeline.hpp"
#include "imaging/processing.hpp"
#include "imaging/pyramid_writer.hpp"
#include "imaging/resample.hpp"
#include "imaging/rotate.hpp"
#include "tests/support/sample_image.hpp"

using namespace tessera;

namespace {

const Raster& photo(std::int64_t side) {
  static std::map<std::int64_t, Raster> cache;
  auto it = cache.find(side);
  if (it == cache.end()) it = cache.emplace(side, testing::draw_sample_image(side, side)).first;
  return it->second;
}

Raster working(std::int64_t side, int bands) {
  const Raster& p = photo(side);
  const std::vector<int> all = bands == 1 ? std::vector<int>{0} : std::vector<int>{0, 1, 2};
  const std::vector<double> lo(all.size(), 0), hi(all.size(), 255);
  return normalise(p, all, lo, hi);
}

// Where the benchmark's images live while it runs (open files are reopened by path, so they
// must stay until the end).
const std::filesystem::path& scratch() {
  struct Dir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("tessera-bench-" + std::to_string(::getpid()));
    Dir() { std::filesystem::create_directories(path); }
    ~Dir() { std::filesystem::remove_all(path); }
  };
  static const Dir dir;
  return dir.path;
}

// A 1024x1024 pyramid TIFF per compression, written once into a temporary directory.
std::shared_ptr<const ImageSource> tiff(TiffCompression compression) {
  static std::map<TiffCompression, std::shared_ptr<const ImageSource>> opened;
  if (auto it = opened.find(compression); it != opened.end()) return it->second;
  static const auto dir =
      std::filesystem::temp_directory_path() / ("tessera-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string name = std::to_string(static_cast<int>(compression));
  name += ".tif";
  const auto path = scratch() / name;
  PyramidOptions o;
  o.compression = compression;
  o.jpeg_quality = 85;
  if (write_pyramid_tiff(path, photo(1024), o)) std::abort();
  auto src = open_image(path);
  if (!src) std::abort();
  return opened[compression] = *src;
}

void decode_tile(benchmark::State& state, TiffCompression compression) {
  auto src = tiff(compression);
  std::int64_t i = 0;
  for (auto _ : state) {
    auto tile = src->read_tile(0, i % 4, (i / 4) % 4);
    benchmark::DoNotOptimize(tile);
    ++i;
  }
}
BENCHMARK_CAPTURE(decode_tile, deflate, TiffCompression::deflate);
BENCHMARK_CAPTURE(decode_tile, jpeg_ycbcr_q85, TiffCompression::jpeg);
BENCHMARK_CAPTURE(decode_tile, none, TiffCompression::none);

void resample_to(benchmark::State& state, std::int64_t from, std::int64_t to, Interpolation f) {
  const Raster& src = photo(from);
  const SourceWindow all{0, 0, static_cast<double>(from), static_cast<double>(from)};
  for (auto _ : state) benchmark::DoNotOptimize(resample(src, all, to, to, f));
  state.SetItemsProcessed(state.iterations() * to * to);
}
BENCHMARK_CAPTURE(resample_to, 2048_to_1024_high_quality, 2048, 1024, Interpolation::high_quality)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(resample_to, 2048_to_1024_bilinear, 2048, 1024, Interpolation::bilinear)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(resample_to, 2048_to_1024_nearest, 2048, 1024, Interpolation::nearest)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(resample_to, 4096_to_1000_high_quality, 4096, 1000, Interpolation::high_quality)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(resample_to, 4096_to_1000_bilinear, 4096, 1000, Interpolation::bilinear)
    ->Unit(benchmark::kMillisecond);

void rotate_by(benchmark::State& state, double degrees) {
  const Raster& src = photo(1024);
  const std::vector<double> fill{255, 255, 255};
  for (auto _ : state) benchmark::DoNotOptimize(rotate(src, degrees, fill));
}
BENCHMARK_CAPTURE(rotate_by, 30_degrees_1024, 30.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(rotate_by, 90_degrees_1024, 90.0)->Unit(benchmark::kMillisecond);

// Processing operations on a 256x256 tile, as IIP viewers request them.
template <class Op>
void process(benchmark::State& state, int bands, Op op) {
  const Raster in = working(256, bands);
  for (auto _ : state) {
    Raster r = in;
    op(r);
    benchmark::DoNotOptimize(r);
  }
}
#define PROCESS(name, bands, ...) \
  BENCHMARK_CAPTURE(process, name, bands, [](Raster& r) { __VA_ARGS__; })
PROCESS(normalise_u8_rgb, 3, (void)r; const Raster& p = photo(256);
        const std::vector<int> b{0, 1, 2}; const std::vector<double> lo(3, 0), hi(3, 255);
        benchmark::DoNotOptimize(normalise(p, b, lo, hi)));
PROCESS(quantise_8, 3, benchmark::DoNotOptimize(quantise(r, 8)));
PROCESS(gamma, 3, apply_gamma(r, Gamma{GammaMode::power, 2.2}));
PROCESS(log, 3, apply_gamma(r, Gamma{GammaMode::log, 1}));
PROCESS(contrast, 3, apply_contrast(r, Contrast{ContrastMode::multiply, 1.5}));
PROCESS(stretch, 3, apply_contrast(r, Contrast{ContrastMode::stretch, 1}));
PROCESS(equalise, 3, apply_contrast(r, Contrast{ContrastMode::equalise, 1}));
PROCESS(invert, 3, invert(r));
PROCESS(colormap_jet, 1, r = apply_colormap(r, Colormap::jet));
PROCESS(hill_shade, 1, r = hill_shade(r, HillShade{true, 315, 45}, 255));
PROCESS(twist_3x3, 3, r = twist(r, BandMatrix{3, 3, {0, 0, 1, 0, 1, 0, 1, 0, 0}}));
PROCESS(convolve_sobel, 1, r = convolve(r, *named_kernel("sobel")));
PROCESS(convolve_gaussian_rgb, 3, r = convolve(r, *named_kernel("gaussian")));
PROCESS(grey, 3, r = to_grey(r));
PROCESS(bitonal, 3, r = to_bitonal(r));

void encode(benchmark::State& state, const char* format) {
  const OutputFormat* f = find_output_format(format);
  const Raster& tile = photo(256);
  EncodeOptions options;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto out = f->encode(tile, options, EncodeMetadata{});
    if (!out) {
      state.SkipWithError(out.error().message.c_str());
      break;
    }
    bytes = out->size();
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK_CAPTURE(encode, jpeg_q75, "jpg");
BENCHMARK_CAPTURE(encode, png, "png");
BENCHMARK_CAPTURE(encode, webp_q50, "webp");
BENCHMARK_CAPTURE(encode, tiff_deflate, "tif");
BENCHMARK_CAPTURE(encode, gif, "gif");
BENCHMARK_CAPTURE(encode, avif_q50, "avif");

// The floor: TurboJPEG compressing the same tile with no wrapper at all.
void turbojpeg_floor(benchmark::State& state) {
  const Raster& tile = photo(256);
  tjhandle tj = tjInitCompress();
  unsigned char* buffer = tjAlloc(static_cast<int>(tjBufSize(256, 256, TJSAMP_420)));
  for (auto _ : state) {
    unsigned long size = tjBufSize(256, 256, TJSAMP_420);
    tjCompress2(tj, tile.data.data(), 256, 0, 256, TJPF_RGB, &buffer, &size, TJSAMP_420, 75,
                TJFLAG_NOREALLOC);
    benchmark::DoNotOptimize(size);
  }
  tjFree(buffer);
  tjDestroy(tj);
}
BENCHMARK(turbojpeg_floor);

// A whole tile request through the pipeline: read, (no) scale, encode.
void tile_request(benchmark::State& state, TiffCompression compression, int level) {
  auto src = tiff(compression);
  const std::int64_t scale = std::int64_t{1} << level;
  const View view = make_view(Rect{256 * scale, 0, 256 * scale, 256 * scale}, 256, 256);
  const OutputFormat& jpg = *find_output_format("jpg");
  for (auto _ : state) {
    auto r = render(*src, view, jpg);
    auto bytes = jpg.encode(r->pixels, EncodeOptions{}, r->metadata);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK_CAPTURE(tile_request, deflate_level0, TiffCompression::deflate, 0);
BENCHMARK_CAPTURE(tile_request, jpeg_level0, TiffCompression::jpeg, 0);
BENCHMARK_CAPTURE(tile_request, deflate_level1, TiffCompression::deflate, 1);

// Region export: a 4096x4096 deflate pyramid, the whole image to 2000x2000 (level 0 is read and
// reduced by ~2), on the calling thread alone and with one pool helper (parallel strips).
void region_export(benchmark::State& state) {
  static const auto src = [] {
    const auto path = scratch() / "big.tif";
    if (write_pyramid_tiff(path, photo(4096))) std::abort();
    auto s = open_image(path);
    if (!s) std::abort();
    return *s;
  }();
  boost::asio::thread_pool pool(std::max<std::size_t>(1, static_cast<std::size_t>(state.range(0))));
  RenderSettings settings;
  settings.helpers = static_cast<unsigned>(state.range(0));
  if (settings.helpers > 0)
    settings.spawn = [&pool](std::function<void()> task) { boost::asio::post(pool, task); };
  const View view = make_view(Rect{0, 0, 4096, 4096}, 2000, 2000);
  for (auto _ : state) benchmark::DoNotOptimize(read_scaled(*src, view, settings));
  pool.join();
}
BENCHMARK(region_export)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
