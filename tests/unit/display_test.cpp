#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "imaging/display.hpp"
#include "imaging/pipeline.hpp"
#include "imaging/tiff_source.hpp"
#include "tests/support/memory_source.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

using namespace tessera;

namespace {

template <class T>
Raster raster_of(std::initializer_list<T> values, int bands, SampleType type) {
  Raster r(static_cast<std::int64_t>(values.size()) / bands, 1, bands, type);
  std::memcpy(r.data.data(), std::data(values), values.size() * sizeof(T));
  return r;
}

ImageInfo info_of(SampleType type, int bands, ColourSpace colour, double lo, double hi,
                  bool alpha = false) {
  ImageInfo info;
  info.sample_type = type;
  info.bands = bands;
  info.colour = colour;
  info.has_alpha = alpha;
  info.min_values.assign(static_cast<std::size_t>(bands), lo);
  info.max_values.assign(static_cast<std::size_t>(bands), hi);
  return info;
}

}  // namespace

// Renders the whole raster at its own size through the pipeline, as PNG-ready 8-bit pixels.
Raster rendered(const Raster& r, const ImageInfo& info) {
  testing::MemorySource src(r, info);
  View view;
  view.region = Rect{0, 0, r.width, r.height};
  view.width = r.width;
  view.height = r.height;
  auto out = render(src, view, *find_output_format("png"));
  REQUIRE(out.ok());
  return out->pixels;
}

TEST_CASE("display: samples map linearly from the image's range to 0..255") {
  SECTION("16-bit over its full range") {
    const auto info = info_of(SampleType::u16, 1, ColourSpace::grey, 0, 65535);
    CHECK_FALSE(is_display_ready(info));
    const Raster out =
        rendered(raster_of<std::uint16_t>({0, 65535, 32768, 257}, 1, SampleType::u16), info);
    CHECK(out.type == SampleType::u8);
    CHECK(out.data == std::vector<std::uint8_t>{0, 255, 128, 1});
  }
  SECTION("float with a stored range, values outside clamped, NaN black") {
    const auto info = info_of(SampleType::f32, 1, ColourSpace::grey, -1, 1);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const Raster out =
        rendered(raster_of<float>({-1.f, 1.f, 0.f, 7.f, -7.f, nan}, 1, SampleType::f32), info);
    CHECK(out.data == std::vector<std::uint8_t>{0, 255, 128, 255, 0, 0});
  }
  SECTION("multispectral shows the first band; RGBA keeps its alpha") {
    const auto ms = info_of(SampleType::u8, 5, ColourSpace::grey, 0, 255);
    CHECK_FALSE(is_display_ready(ms));
    const Raster one = rendered(raster_of<std::uint8_t>({9, 1, 2, 3, 4}, 5, SampleType::u8), ms);
    CHECK(one.bands == 1);
    CHECK(one.data[0] == 9);
    const auto rgba = info_of(SampleType::u16, 4, ColourSpace::rgb, 0, 65535, true);
    const Raster four =
        rendered(raster_of<std::uint16_t>({65535, 0, 65535, 0}, 4, SampleType::u16), rgba);
    CHECK(four.data == std::vector<std::uint8_t>{255, 0, 255, 0});
  }
  SECTION("8-bit grey and RGB(A) need no conversion") {
    CHECK(is_display_ready(info_of(SampleType::u8, 3, ColourSpace::rgb, 0, 255)));
    CHECK(is_display_ready(info_of(SampleType::u8, 2, ColourSpace::grey, 0, 255, true)));
  }
}

TEST_CASE("display: CIELAB (D50) to sRGB at known colours") {
  // Reference values: the sRGB primaries and white in CIE L*a*b* under D50 (ICC PCS).
  struct Case {
    double l, a, b;
    int r, g, bl;
  };
  for (const Case& c : {Case{100, 0, 0, 255, 255, 255}, Case{0, 0, 0, 0, 0, 0},
                        Case{54.29, 80.80, 69.89, 255, 0, 0}, Case{87.82, -79.29, 80.99, 0, 255, 0},
                        Case{29.57, 68.30, -112.03, 0, 0, 255}, Case{53.39, 0, 0, 128, 128, 128}}) {
    float rgb[3];
    LabToSrgb{}(c.l, c.a, c.b, rgb);
    INFO("L*a*b* " << c.l << "," << c.a << "," << c.b);
    CHECK(std::abs(rgb[0] * 255 - c.r) <= 2);
    CHECK(std::abs(rgb[1] * 255 - c.g) <= 2);
    CHECK(std::abs(rgb[2] * 255 - c.bl) <= 2);
  }
}

TEST_CASE("display: CIELAB relative to D65 (as ImageMagick writes it, with its WhitePoint)") {
  // sRGB red and blue in L*a*b* under D65: no chromatic adaptation is needed.
  const LabToSrgb d65(0.3127, 0.3290);
  float rgb[3];
  d65(53.24, 80.09, 67.20, rgb);
  CHECK(rgb[0] * 255 >= 253);
  CHECK(rgb[1] * 255 <= 2);
  CHECK(rgb[2] * 255 <= 2);
  d65(32.30, 79.19, -107.86, rgb);
  CHECK(rgb[0] * 255 <= 2);
  CHECK(rgb[1] * 255 <= 2);
  CHECK(rgb[2] * 255 >= 253);
}

TEST_CASE("display: a 16-bit TIFF renders to 8-bit pixels through the pipeline") {
  testing::TempDir dir;
  testing::TiffSpec s;
  s.bits = 16;
  s.width = 200;
  s.height = 100;
  testing::write_tiff(dir.path() / "g16.tif", s);
  auto src = TiffSource::open(dir.path() / "g16.tif");
  REQUIRE(src.ok());
  auto out = render(**src, make_view(Rect{0, 0, 200, 100}, 200, 100), *find_output_format("jpg"));
  REQUIRE(out.ok());
  CHECK(out->pixels.type == SampleType::u8);
  for (int x : {0, 17, 199})
    CHECK(out->pixels.row(50)[x] ==
          std::lround(testing::written_value(s, 0, 0, x, 50, 0) * 255.0 / 65535.0));
}
