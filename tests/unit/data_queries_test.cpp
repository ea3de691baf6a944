#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>

#include "protocols/iip/data_queries.hpp"
#include "tests/support/memory_source.hpp"

using namespace tessera;
using namespace tessera::iip;

namespace {

constexpr std::int64_t W = 10, H = 6;
constexpr std::uint32_t tile = 4;  // levels 10x6, 5x3, 3x2: IIP resolution 2 is the full size

template <class T>
std::shared_ptr<const ImageSource> source(int bands, SampleType type,
                                          double (*value)(std::int64_t, std::int64_t, int)) {
  Raster r;
  r.width = W;
  r.height = H;
  r.bands = bands;
  r.type = type;
  r.data.resize(static_cast<std::size_t>(W * H * bands) * sizeof(T));
  T* p = reinterpret_cast<T*>(r.data.data());
  for (std::int64_t y = 0; y < H; ++y)
    for (std::int64_t x = 0; x < W; ++x)
      for (int b = 0; b < bands; ++b) *p++ = static_cast<T>(value(x, y, b));
  ImageInfo info = testing::info_for(r, bands == 3 ? ColourSpace::rgb : ColourSpace::grey);
  return std::make_shared<testing::MemorySource>(std::move(r), std::move(info), tile);
}

double rgb_value(std::int64_t x, std::int64_t y, int b) {
  return static_cast<double>(x * 10 + y + b * 50);
}
double float_value(std::int64_t x, std::int64_t y, int) {
  return static_cast<double>(x) * 0.5 - static_cast<double>(y);
}
double grey_value(std::int64_t x, std::int64_t y, int) {
  return static_cast<double>(x * 20 + y);
}
double grey16_value(std::int64_t x, std::int64_t y, int) {
  return static_cast<double>(x * 6000 + y);
}

std::string rgb_samples(std::initializer_list<std::pair<int, int>> points) {
  std::string out;
  for (auto [x, y] : points)
    for (int b = 0; b < 3; ++b) {
      if (!out.empty()) out += ',';
      out += std::to_string(x * 10 + y + b * 50);
    }
  return out;
}

std::string fixed(double v, const char* format) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

}  // namespace

TEST_CASE("PFL: argument syntax", "[iip][pfl]") {
  auto line = parse_profile("2:1,2-4,2");
  REQUIRE(line);
  CHECK(line->resolution == 2);
  CHECK((line->x1 == 1 && line->y1 == 2 && line->x2 == 4 && line->y2 == 2));
  auto point = parse_profile("0:5,3");
  REQUIRE(point);
  CHECK((point->x2 == 5 && point->y2 == 3));
  for (const char* bad : {"", "2", "2:", "2:1", "2:1,2-", "2:1,2-3", "x:1,2-3,4", "2:-1,2-3,4",
                          "2:1,2-3,4x", "2:1;2-3,4", "99:1,1", "2:1,99999999999999999"})
    CHECK_FALSE(parse_profile(bad));
}

TEST_CASE("PFL: samples along a line, interleaved, end exclusive", "[iip][pfl]") {
  const auto rgb = source<std::uint8_t>(3, SampleType::u8, rgb_value);
  auto horizontal = profile_json(*rgb, *parse_profile("2:1,2-4,2"));
  REQUIRE(horizontal);
  CHECK(*horizontal == "{\n\t\"profile\": [" + rgb_samples({{1, 2}, {2, 2}, {3, 2}}) + "]\n}");

  auto vertical = profile_json(*rgb, *parse_profile("2:3,1-3,4"));
  REQUIRE(vertical);
  CHECK(*vertical == "{\n\t\"profile\": [" + rgb_samples({{3, 1}, {3, 2}, {3, 3}}) + "]\n}");

  auto single = profile_json(*rgb, *parse_profile("2:9,5"));
  REQUIRE(single);
  CHECK(*single == "{\n\t\"profile\": [" + rgb_samples({{9, 5}}) + "]\n}");

  // Up to the edge (the exclusive end equals the width) is fine; beyond it is not.
  CHECK(profile_json(*rgb, *parse_profile("2:8,0-10,0")));
  CHECK(profile_json(*rgb, *parse_profile("2:8,0-11,0")).error().code == Errc::bad_request);
  CHECK(profile_json(*rgb, *parse_profile("2:10,0")).error().code == Errc::bad_request);
  CHECK(profile_json(*rgb, *parse_profile("3:0,0")).error().code == Errc::bad_request);
  // Resolution 1 is the 5x3 level.
  CHECK(profile_json(*rgb, *parse_profile("1:4,2")));
  CHECK(profile_json(*rgb, *parse_profile("1:5,2")).error().code == Errc::bad_request);
}

TEST_CASE("PFL: floating-point samples keep their value", "[iip][pfl]") {
  const auto f = source<float>(1, SampleType::f32, float_value);
  auto json = profile_json(*f, *parse_profile("2:3,1-5,1"));
  REQUIRE(json);
  CHECK(*json == "{\n\t\"profile\": [" + fixed(0.5, "%.9f") + "," + fixed(1.0, "%.9f") + "]\n}");
}

TEST_CASE("PFL: a series gives one array per wavelength", "[iip][pfl]") {
  const auto a = source<std::uint8_t>(1, SampleType::u8, grey_value);
  const auto b = source<std::uint16_t>(1, SampleType::u16, grey16_value);
  const SpectralImage series[] = {{"400", a}, {"450 \"nm\"", b}};
  auto json = profile_json(series, *parse_profile("2:0,1-2,1"));
  REQUIRE(json);
  CHECK(*json ==
        "{\n\t\"profile\": {\n\t\t\"400\": [1,21],\n\t\t\"450 \\\"nm\\\"\": [1,6001]\n\t}\n}");
  // One image: the plain form.
  auto one = profile_json(std::span(series, 1), *parse_profile("2:0,1-2,1"));
  REQUIRE(one);
  CHECK(*one == "{\n\t\"profile\": [1,21]\n}");
}

TEST_CASE("SPECTRA: one point across a series, in iipsrv's XML", "[iip][spectra]") {
  CHECK_FALSE(parse_spectra("2,4,1"));
  CHECK_FALSE(parse_spectra("2,4,1,1,1"));
  CHECK_FALSE(parse_spectra("2,4,-1,1"));
  CHECK_FALSE(parse_spectra("2,4,a,1"));

  const auto a = source<std::uint8_t>(1, SampleType::u8, grey_value);
  const auto b = source<std::uint16_t>(1, SampleType::u16, grey16_value);
  const auto f = source<float>(1, SampleType::f32, float_value);
  const SpectralImage series[] = {{"400", a}, {"500", b}, {"a<b", f}};
  // Tile 4 of the full level (3 tiles across) is column 1, row 1: origin (4, 4); +(1, 1).
  auto xml = spectra_xml(series, *parse_spectra("2,4,1,1"));
  REQUIRE(xml);
  auto point = [](const std::string& w, double v) {
    return "\t<point>\n\t\t<wavelength>" + w + "</wavelength>\n\t\t<reflectance>" + fixed(v, "%f") +
           "</reflectance>\n\t</point>\n";
  };
  CHECK(*xml == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n" +
                    point("400", (5 * 20 + 5) / 255.0) + point("500", (5 * 6000 + 5) / 65535.0) +
                    point("a&lt;b", 5 * 0.5 - 5) + "</spectra>");

  // Tile 5 starts at x = 8: x offset 3 is beyond the image's edge, so no points.
  auto edge = spectra_xml(series, *parse_spectra("2,5,3,0"));
  REQUIRE(edge);
  CHECK(*edge == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n</spectra>");
  CHECK(spectra_xml(series, *parse_spectra("2,5,4,0")).error().code == Errc::bad_request);
  CHECK(spectra_xml(series, *parse_spectra("2,6,0,0")).error().code == Errc::not_found);
  CHECK(spectra_xml(series, *parse_spectra("3,0,0,0")).error().code == Errc::bad_request);
}
