// The whole pipeline (imaging/pipeline.hpp) on in-memory images of every sample type: expected
// pixels come from formulas applied to the known input, not from the code under test.

#include <lcms2.h>
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <thread>

#include "imaging/pipeline.hpp"
#include "imaging/watermark.hpp"
#include "tests/support/memory_source.hpp"

using namespace tessera;
using testing::info_for;
using testing::MemorySource;

namespace {

const OutputFormat& png() {
  return *find_output_format("png");
}
const OutputFormat& jpg() {
  return *find_output_format("jpg");
}

View whole(const Raster& r) {
  View v;
  v.region = Rect{0, 0, r.width, r.height};
  v.width = r.width;
  v.height = r.height;
  return v;
}

Rendered rendered(const Raster& r, const ImageInfo& info, const View& view,
                  const OutputFormat& format = png(), const RenderSettings& settings = {}) {
  MemorySource src(r, info);
  auto out = render(src, view, format, settings);
  REQUIRE(out.ok());
  return std::move(out.value());
}

template <class T>
void put(Raster& r, std::int64_t x, std::int64_t y, int band, double v) {
  const T t = static_cast<T>(v);
  std::memcpy(r.row(y) + (static_cast<std::size_t>(x * r.bands + band)) * sizeof(T), &t, sizeof(T));
}

template <class T>
double get(const Raster& r, std::int64_t x, std::int64_t y, int band) {
  T t;
  std::memcpy(&t, r.row(y) + (static_cast<std::size_t>(x * r.bands + band)) * sizeof(T), sizeof(T));
  return static_cast<double>(t);
}

// A horizontal ramp over [lo, hi] in samples of `type`, one band, and the exact fraction
// (stored - lo) / (hi - lo) each column holds once rounded to the type.
struct Ramp {
  Raster raster;
  ImageInfo info;
  std::vector<double> fraction;
};

Ramp ramp(SampleType type, std::int64_t width, std::int64_t height = 2) {
  Ramp r;
  r.raster = Raster(width, height, 1, type);
  r.info = info_for(r.raster, ColourSpace::grey);
  double lo = r.info.min_values[0], hi = r.info.max_values[0];
  if (type == SampleType::f32 || type == SampleType::f64) {  // floats with a stored range
    lo = -250.5, hi = 1000.25;
    r.info.min_values = {lo};
    r.info.max_values = {hi};
  }
  const bool integer = type != SampleType::f32 && type != SampleType::f64;
  for (std::int64_t x = 0; x < width; ++x) {
    double v = lo + (hi - lo) * static_cast<double>(x) / static_cast<double>(width - 1);
    if (integer) v = std::round(v);
    if (type == SampleType::f32) v = static_cast<float>(v);
    for (std::int64_t y = 0; y < height; ++y)
      with_sample_type(type, [&](auto t) { put<decltype(t)>(r.raster, x, y, 0, v); });
    r.fraction.push_back((v - lo) / (hi - lo));
  }
  return r;
}

constexpr SampleType all_types[] = {SampleType::u8,  SampleType::u16, SampleType::u32,
                                    SampleType::i8,  SampleType::i16, SampleType::i32,
                                    SampleType::f32, SampleType::f64};

std::uint8_t to8(double f) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(f, 0.0, 1.0) * 255));
}

}  // namespace

TEST_CASE("render: each operation on every sample type follows its formula", "[render]") {
  struct Op {
    const char* name;
    std::function<void(View&)> set;
    std::function<double(double)> expected;  // of the pixel's exact input fraction
  };
  const double log_norm = std::log(256.0);
  const std::vector<Op> ops = {
      {"none", [](View&) {}, [](double f) { return f; }},
      {"invert", [](View& v) { v.invert = true; }, [](double f) { return 1 - f; }},
      {"gamma 2",
       [](View& v) {
         v.gamma = {GammaMode::power, 2};
       },
       [](double f) { return f * f; }},
      {"log",
       [](View& v) {
         v.gamma = {GammaMode::log, 1};
       },
       [&](double f) { return std::log(1 + 255 * f) / log_norm; }},
      {"contrast x2",
       [](View& v) {
         v.contrast = {ContrastMode::multiply, 2};
       },
       [](double f) { return std::min(1.0, 2 * f); }},
      {"bitonal", [](View& v) { v.quality = Quality::bitonal; },
       [](double f) { return f >= 0.5 ? 1.0 : 0.0; }},
      {"gaussian (linear data is unchanged inside)",
       [](View& v) {
         v.kernel = Kernel{
             3, {1 / 16., 2 / 16., 1 / 16., 2 / 16., 4 / 16., 2 / 16., 1 / 16., 2 / 16., 1 / 16.}};
       },
       [](double f) { return f; }},
  };
  for (SampleType type : all_types) {
    const Ramp r = ramp(type, 64);
    for (const Op& op : ops) {
      View view = whole(r.raster);
      op.set(view);
      const Raster out = rendered(r.raster, r.info, view).pixels;
      REQUIRE(out.type == SampleType::u8);
      REQUIRE(out.bands == 1);
      INFO("type " << static_cast<int>(type) << ", " << op.name);
      int wrong = 0;
      for (std::int64_t x = 1; x < 63; ++x) {  // borders: convolution repeats edges
        const double f = r.fraction[static_cast<std::size_t>(x)];
        // Bitonal is exact except where float rounding sits on the threshold itself.
        if (std::string(op.name) == "bitonal" && std::abs(f - 0.5) < 1e-6) continue;
        if (std::abs(out.row(0)[x] - to8(op.expected(f))) > 1) ++wrong;
      }
      CHECK(wrong == 0);
    }
  }
}

TEST_CASE("render: false colour and hill shading on every sample type", "[render]") {
  for (SampleType type : all_types) {
    INFO("type " << static_cast<int>(type));
    const Ramp r = ramp(type, 32);
    View red = whole(r.raster);
    red.colormap = Colormap::red;
    const Raster out = rendered(r.raster, r.info, red).pixels;
    REQUIRE(out.bands == 3);
    for (std::int64_t x = 0; x < 32; ++x) {
      CHECK(std::abs(out.row(0)[x * 3] - to8(r.fraction[static_cast<std::size_t>(x)])) <= 1);
      CHECK(out.row(0)[x * 3 + 1] == 0);
      CHECK(out.row(0)[x * 3 + 2] == 0);
    }
    // A flat height map is lit at sin(elevation) whatever the azimuth.
    Raster flat(16, 16, 1, type);
    const ImageInfo finfo = info_for(flat, ColourSpace::grey);
    View shade = whole(flat);
    shade.shade = HillShade{true, 135, 30};
    const Raster lit = rendered(flat, finfo, shade).pixels;
    CHECK(std::abs(lit.row(8)[8] - to8(std::sin(30 * M_PI / 180))) <= 1);
  }
}

TEST_CASE("render: a gradient halved is the gradient at the output pixel centres", "[render]") {
  for (SampleType type : all_types) {
    for (Interpolation filter : {Interpolation::bilinear, Interpolation::high_quality}) {
      const Ramp r = ramp(type, 128, 4);
      View view = whole(r.raster);
      view.width = 64;
      view.height = 2;
      view.interpolation = filter;
      const Raster out = rendered(r.raster, r.info, view).pixels;
      INFO("type " << static_cast<int>(type) << " filter " << static_cast<int>(filter));
      for (std::int64_t x = 3; x < 61; ++x) {
        // Output pixel x covers source [2x, 2x+2): its centre is source position 2x + 0.5.
        const double f = (r.fraction[static_cast<std::size_t>(2 * x)] + r.fraction[2 * x + 1]) / 2;
        CHECK(std::abs(out.row(1)[x] - to8(f)) <= 1);
      }
    }
  }
}

TEST_CASE("render: 16-bit outputs keep 16-bit samples in formats that hold them", "[render]") {
  const Ramp r = ramp(SampleType::u16, 300);
  View view = whole(r.raster);
  view.bits = 16;
  const Raster deep = rendered(r.raster, r.info, view, png()).pixels;
  REQUIRE(deep.type == SampleType::u16);
  for (std::int64_t x = 0; x < 300; ++x)
    CHECK(get<std::uint16_t>(deep, x, 0, 0) == get<std::uint16_t>(r.raster, x, 0, 0));
  // JPEG holds 8 bits only: the same view gives 8-bit pixels.
  CHECK(rendered(r.raster, r.info, view, jpg()).pixels.type == SampleType::u8);
}

TEST_CASE("render: request ranges (MINMAX) override the image's", "[render]") {
  Raster f(4, 1, 1, SampleType::f32);
  for (int x = 0; x < 4; ++x) put<float>(f, x, 0, 0, x * 250.0);  // 0, 250, 500, 750
  ImageInfo info = info_for(f, ColourSpace::grey);
  info.min_values = {0};
  info.max_values = {1000};
  View view = whole(f);
  CHECK(rendered(f, info, view).pixels.data == std::vector<std::uint8_t>{0, 64, 128, 191});
  view.ranges = {BandRange{-1, 0, 500}};
  CHECK(rendered(f, info, view).pixels.data == std::vector<std::uint8_t>{0, 128, 255, 255});
  view.ranges = {BandRange{-1, 0, 500}, BandRange{0, 250, 750}};  // later entries win
  CHECK(rendered(f, info, view).pixels.data == std::vector<std::uint8_t>{0, 0, 128, 255});
}

TEST_CASE("render: band recombination and qualities", "[render]") {
  Raster ms(2, 1, 5, SampleType::u8);  // five bands, values 10*band + x
  for (int x = 0; x < 2; ++x)
    for (int b = 0; b < 5; ++b) ms.row(0)[x * 5 + b] = static_cast<std::uint8_t>(10 * b + x);
  const ImageInfo info = info_for(ms, ColourSpace::grey);
  View pick = whole(ms);
  pick.twist = BandMatrix{1, 5, {0, 0, 0, 1, 0}};
  CHECK(rendered(ms, info, pick).pixels.data == std::vector<std::uint8_t>{30, 31});
  View mix = whole(ms);
  mix.twist = BandMatrix{3, 5, {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0.5, 0, 0, 0, 0.5}};
  CHECK(rendered(ms, info, mix).pixels.data == std::vector<std::uint8_t>{0, 20, 20, 1, 21, 21});

  Raster rgb(1, 1, 3, SampleType::u8);
  rgb.data = {200, 100, 50};
  View grey = whole(rgb);
  grey.quality = Quality::grey;
  const Raster g = rendered(rgb, info_for(rgb, ColourSpace::rgb), grey).pixels;
  REQUIRE(g.bands == 1);
  CHECK(std::abs(g.data[0] - (0.299 * 200 + 0.587 * 100 + 0.114 * 50)) <= 1);
}

TEST_CASE("render: alpha is carried, rotation is exact by quarter turns", "[render]") {
  Raster rgba(3, 2, 4, SampleType::u8);
  for (std::size_t i = 0; i < rgba.data.size(); ++i) rgba.data[i] = static_cast<std::uint8_t>(i);
  const ImageInfo info = info_for(rgba, ColourSpace::rgb, true);
  View view = whole(rgba);
  view.rotation.degrees = 90;
  const Raster r = rendered(rgba, info, view).pixels;
  REQUIRE(r.width == 2);
  REQUIRE(r.height == 3);
  REQUIRE(r.bands == 4);
  // Clockwise: output (x, y) is input (y, H-1-x).
  for (int y = 0; y < 3; ++y)
    for (int x = 0; x < 2; ++x)
      for (int b = 0; b < 4; ++b) CHECK(r.row(y)[x * 4 + b] == rgba.row(1 - x)[y * 4 + b]);
  View flip = whole(rgba);
  flip.rotation.mirror = true;
  const Raster m = rendered(rgba, info, flip).pixels;
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) CHECK(m.row(y)[x * 4] == rgba.row(y)[(2 - x) * 4]);
}

TEST_CASE("render: arbitrary rotation fills transparent, white or black", "[render]") {
  Raster grey(40, 40, 1, SampleType::u8);
  std::fill(grey.data.begin(), grey.data.end(), std::uint8_t{100});
  const ImageInfo info = info_for(grey, ColourSpace::grey);
  View view = whole(grey);
  view.rotation.degrees = 45;
  const Raster with_alpha = rendered(grey, info, view, png()).pixels;
  REQUIRE(with_alpha.bands == 2);
  CHECK(with_alpha.width == std::lround(40 * std::sqrt(2.0)));
  CHECK(with_alpha.row(0)[1] == 0);  // corner: transparent
  const std::int64_t c = with_alpha.width / 2;
  CHECK(with_alpha.row(c)[c * 2] == 100);
  CHECK(with_alpha.row(c)[c * 2 + 1] == 255);
  const Raster white = rendered(grey, info, view, jpg()).pixels;
  REQUIRE(white.bands == 1);
  CHECK(white.row(0)[0] == 255);
  view.background = Background::black;
  CHECK(rendered(grey, info, view, jpg()).pixels.row(0)[0] == 0);
}

namespace {

std::string profile_bytes(cmsHPROFILE profile) {
  cmsUInt32Number size = 0;
  cmsSaveProfileToMem(profile, nullptr, &size);
  std::string bytes(size, '\0');
  cmsSaveProfileToMem(profile, bytes.data(), &size);
  cmsCloseProfile(profile);
  return bytes;
}

}  // namespace

TEST_CASE("render: ICC profiles are embedded within the cap, or converted", "[render]") {
  Raster rgb(2, 2, 3, SampleType::u8);
  std::fill(rgb.data.begin(), rgb.data.end(), std::uint8_t{128});
  ImageInfo info = info_for(rgb, ColourSpace::rgb);
  info.icc_profile = profile_bytes(cmsCreate_sRGBProfile());
  const View view = whole(rgb);
  RenderSettings settings;
  MemorySource src(rgb, info);  // the metadata points into its header
  CHECK(render(src, view, png(), settings)->metadata.icc_profile == info.icc_profile);
  settings.max_icc = info.icc_profile.size() - 1;
  CHECK(render(src, view, png(), settings)->metadata.icc_profile.empty());
  View grey = view;
  grey.quality = Quality::grey;  // an RGB profile does not describe grey output
  CHECK(render(src, grey, png())->metadata.icc_profile.empty());

  // A linear (gamma 1) grey profile: 128/255 becomes its sRGB encoding,
  // 1.055 * (128/255)^(1/2.4) - 0.055 = 0.7367, that is 188.
  Raster g(1, 1, 1, SampleType::u8);
  g.data = {128};
  ImageInfo ginfo = info_for(g, ColourSpace::grey);
  cmsToneCurve* linear = cmsBuildGamma(nullptr, 1.0);
  ginfo.icc_profile = profile_bytes(cmsCreateGrayProfile(cmsD50_xyY(), linear));
  cmsFreeToneCurve(linear);
  View convert = whole(g);
  convert.convert_icc = true;
  const Rendered out = rendered(g, ginfo, convert);
  CHECK(std::abs(out.pixels.data[0] - 188) <= 2);
  CHECK(out.metadata.icc_profile.empty());
}

TEST_CASE("render: watermark blends at its opacity and probability", "[render]") {
  Raster white(2, 2, 1, SampleType::f32);
  for (int i = 0; i < 4; ++i) put<float>(white, i % 2, i / 2, 0, 1.0);
  Raster out(4, 4, 3, SampleType::u8);
  Watermark(white, {}, 0.5, 1).apply_at(out, 1, 1);
  CHECK(out.row(0)[0] == 0);
  CHECK(out.row(1)[3] == 128);  // pixel (1,1): half of white over black
  CHECK(out.row(2)[2 * 3 + 2] == 128);
  CHECK(out.row(3)[3 * 3] == 0);
  Raster untouched(4, 4, 3, SampleType::u8);
  Watermark(white, {}, 1, 0).apply(untouched);
  CHECK(std::all_of(untouched.data.begin(), untouched.data.end(), [](auto v) { return v == 0; }));
  Raster always(4, 4, 1, SampleType::u8);
  Watermark(white, {}, 1, 1).apply(always);
  CHECK(std::count(always.data.begin(), always.data.end(), 255) == 4);
}

TEST_CASE("render: large outputs computed in parallel strips equal one pass", "[render]") {
  Raster big(1500, 1400, 3, SampleType::u8);
  for (std::size_t i = 0; i < big.data.size(); ++i)
    big.data[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 24);
  const ImageInfo info = info_for(big, ColourSpace::rgb);
  View view = whole(big);
  view.width = 1300;
  view.height = 1213;
  std::vector<std::thread> threads;
  RenderSettings parallel;
  parallel.spawn = [&threads](std::function<void()> task) { threads.emplace_back(task); };
  parallel.helpers = 3;
  MemorySource src(big, info);
  auto split = read_scaled(src, view, parallel);
  for (auto& t : threads) t.join();
  CHECK(threads.size() == 3);
  auto single = read_scaled(src, view);
  REQUIRE(split.ok());
  REQUIRE(single.ok());
  CHECK(split->data == single->data);

  // Windows above the whole-window budget are read strip by strip: the same pixels too.
  threads.clear();
  parallel.whole_window_bytes = 1 << 20;
  auto strips = read_scaled(src, view, parallel);
  for (auto& t : threads) t.join();
  CHECK(threads.size() == 3);
  REQUIRE(strips.ok());
  CHECK(strips->data == single->data);
}

namespace {

// A pyramid with every level stored, that records which rectangles the pipeline reads.
class RecordingPyramid : public ImageSource {
 public:
  explicit RecordingPyramid(std::int64_t side) {
    info_ = info_for(Raster(1, 1, 1, SampleType::u8), ColourSpace::grey);
    for (std::int64_t s = side; s >= 256; s = (s + 1) / 2)
      info_.levels.push_back(LevelInfo{s, s, 256, 256, true});
  }
  const ImageInfo& info() const override { return info_; }
  mutable std::vector<std::pair<std::size_t, Rect>> reads;

 protected:
  Result<Raster> read_stored(std::size_t level, const Rect& r) const override {
    reads.emplace_back(level, r);
    Raster out(r.w, r.h, 1, SampleType::u8);
    std::fill(out.data.begin(), out.data.end(), std::uint8_t{77});
    return out;
  }

 private:
  ImageInfo info_;
};

}  // namespace

TEST_CASE("render: large reductions read only the chosen level's region", "[render]") {
  RecordingPyramid src(16384);  // levels 16384, 8192, ..., 256
  for (Interpolation filter :
       {Interpolation::nearest, Interpolation::bilinear, Interpolation::high_quality}) {
    src.reads.clear();
    View view = make_view(Rect{4096, 2048, 8192, 8192}, 1000, 1000);
    view.interpolation = filter;
    auto out = read_scaled(src, view);
    REQUIRE(out.ok());
    CHECK(out->data[500 * 1000 + 500] == 77);
    // 8192 pixels to 1000: level 3 (2048 px wide, 1/8) is the smallest with enough resolution,
    // where the region is 1024 x 1024 at (512, 256); the filter adds a few pixels around it.
    REQUIRE(src.reads.size() == 1);
    CHECK(src.reads[0].first == 3);
    const Rect r = src.reads[0].second;
    CHECK(r.x >= 512 - 6);
    CHECK(r.y >= 256 - 6);
    CHECK(r.w <= 1024 + 12);
    CHECK(r.h <= 1024 + 12);
  }
}

TEST_CASE("render: a viewer tile reads exactly its own tile, no neighbours", "[render]") {
  RecordingPyramid src(16384);
  for (Interpolation filter :
       {Interpolation::nearest, Interpolation::bilinear, Interpolation::high_quality}) {
    src.reads.clear();
    View tile = make_view(Rect{2048, 4096, 2048, 2048}, 256, 256);  // level 3, tile (1, 2)
    tile.interpolation = filter;
    REQUIRE(read_scaled(src, tile).ok());
    REQUIRE(src.reads.size() == 1);
    CHECK(src.reads[0].first == 3);
    CHECK(src.reads[0].second == Rect{256, 512, 256, 256});
  }
}

TEST_CASE("render: a split output reads its source window once", "[render]") {
  // Strips reading their own rows decoded each shared tile row twice; now the window is read in
  // one piece and only the resampling is split.
  RecordingPyramid src(8192);
  View view = make_view(Rect{0, 0, 4096, 4096}, 1100, 1100);  // over 1 Mpixel: split
  view.interpolation = Interpolation::bilinear;
  std::vector<std::thread> threads;
  RenderSettings parallel;
  parallel.spawn = [&threads](std::function<void()> task) { threads.emplace_back(task); };
  parallel.helpers = 1;
  auto out = read_scaled(src, view, parallel);
  for (auto& t : threads) t.join();
  REQUIRE(out.ok());
  CHECK_FALSE(threads.empty());
  REQUIRE(src.reads.size() == 1);
  CHECK(src.reads[0].first == 1);  // 2048 x 2048 at level 1
  CHECK(src.reads[0].second.h >= 2048);
}
