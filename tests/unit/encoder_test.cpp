// The output encoders: the format registry, refused input, concurrency, JPEG and PNG. Output is
// decoded with each format's own library (tests/support/reference_decoders.hpp).

#include <turbojpeg.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "imaging/encoder.hpp"
#include "tests/support/reference_decoders.hpp"

using namespace tessera;
using namespace tessera::testing;

TEST_CASE("The format registry", "[encoder][registry]") {
  const auto formats = output_formats();
  const std::vector<std::string> order = {"jpg", "png", "webp", "tif", "gif", "jp2", "pdf", "avif"};
  REQUIRE(formats.size() == order.size());
  std::set<std::string_view> keys, mimes;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    const OutputFormat& f = formats[i];
    CAPTURE(f.extension);
    CHECK(f.extension == order[i]);
    CHECK(keys.insert(f.extension).second);
    if (f.name != f.extension) CHECK(keys.insert(f.name).second);
    CHECK(mimes.insert(f.mime_type).second);
    CHECK(find_output_format(f.extension) == &f);
    CHECK(find_output_format(f.name) == &f);
    Raster pixel(1, 1, 3);
    pixel.data = {200, 100, 50};
    CHECK(f.encode(pixel, {}, {}).ok());
  }
  CHECK(find_output_format("jpeg")->mime_type == "image/jpeg");
  CHECK(find_output_format("tiff")->extension == "tif");
  CHECK(find_output_format("JPG") == nullptr);
  CHECK(find_output_format("bmp") == nullptr);
  CHECK(!find_output_format("jpg")->alpha);
  CHECK((find_output_format("png")->deep && find_output_format("tif")->deep));
  CHECK((!find_output_format("webp")->deep && !find_output_format("gif")->deep &&
         !find_output_format("avif")->deep));
  CHECK((find_output_format("webp")->alpha && find_output_format("gif")->alpha &&
         find_output_format("avif")->alpha));
}

TEST_CASE("Encoders refuse bad input with the right error and no crash", "[encoder][errors]") {
  const auto error_of = [](const OutputFormat& f, const Raster& r) {
    auto out = f.encode(r, {}, {});
    REQUIRE_FALSE(out.ok());
    return out.error();
  };
  const std::map<std::string, std::int64_t> limits = {
      {"jpg", 65500},      {"webp", 16383},     {"gif", 65535}, {"avif", 65535},
      {"png", 0x7FFFFFFF}, {"tif", 0xFFFFFFFF}, {"jp2", 65535}, {"pdf", 0x7FFFFFFF}};
  for (const OutputFormat& f : output_formats()) {
    CAPTURE(f.extension);
    const std::int64_t limit = limits.at(std::string(f.extension));
    // Only the header of an oversized raster: the side check comes before any pixel is read.
    for (bool wide : {true, false}) {
      Raster huge;
      huge.width = wide ? limit + 1 : 1, huge.height = wide ? 1 : limit + 1, huge.bands = 3;
      const Error e = error_of(f, huge);
      CHECK(e.code == Errc::bad_request);
      CHECK(e.message.find("limited to " + std::to_string(limit) + " pixels per side") !=
            std::string::npos);
    }
    // The largest allowed width still encodes where that is cheap.
    if (limit <= 65535) CHECK(f.encode(Raster(limit, 1, 3), {}, {}).ok());
    CHECK(error_of(f, Raster(4, 4, 5)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 0)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 3, SampleType::f32)).code == Errc::internal);
    CHECK(error_of(f, Raster(4, 4, 3, SampleType::u32)).code == Errc::internal);
    CHECK(error_of(f, Raster(0, 4, 3)).code == Errc::internal);
    Raster short_data(4, 4, 3);
    short_data.data.resize(10);
    CHECK(error_of(f, short_data).code == Errc::internal);
    // A 16-bit raster is narrowed, never refused.
    CHECK(f.encode(smooth(8, 8, 3, SampleType::u16), {}, {}).ok());
  }
}

// giflib's quantiser keeps state in a global and TurboJPEG handles are per thread: concurrent
// encodes must give the bytes a lone encode gives.
TEST_CASE("Encoders give the same bytes when run concurrently", "[encoder][threads]") {
  const Raster in = smooth(96, 64, 3);
  for (const OutputFormat& f : output_formats()) {
    CAPTURE(f.extension);
    const std::string expected = encode(std::string(f.extension).c_str(), in);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) {
          auto out = f.encode(in, {}, {});
          if (!out || *out != expected) ++mismatches;
        }
      });
    for (auto& t : threads) t.join();
    CHECK(mismatches == 0);
  }
}

TEST_CASE("JPEG drops alpha and narrows 16 bits and stays close to the input", "[encoder][jpeg]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands) {
      CAPTURE(bands, type == SampleType::u16);
      const Raster in = smooth(128, 96, bands, type);
      const Decoded d = turbojpeg_decode(encode("jpg", in));
      const std::vector<int> colour = bands >= 3 ? std::vector{0, 1, 2} : std::vector{0};
      CHECK(psnr(d.pixels, pick(in, colour, true)) > 35);
    }
}

TEST_CASE("JPEG chroma subsampling follows the request", "[encoder][jpeg]") {
  const Raster in = smooth(64, 48, 3);
  const std::tuple<ChromaSubsampling, int, int> cases[] = {
      {ChromaSubsampling::automatic, 75, TJSAMP_420},
      {ChromaSubsampling::automatic, 89, TJSAMP_420},
      {ChromaSubsampling::automatic, 90, TJSAMP_444},
      {ChromaSubsampling::s444, 50, TJSAMP_444},
      {ChromaSubsampling::s422, 95, TJSAMP_422},
      {ChromaSubsampling::s420, 95, TJSAMP_420}};
  for (auto [mode, quality, expected] : cases) {
    EncodeOptions o;
    o.jpeg_subsampling = mode;
    o.jpeg_quality = quality;
    CHECK(turbojpeg_decode(encode("jpg", in, o)).subsampling == expected);
  }
  EncodeOptions o;
  o.jpeg_subsampling = ChromaSubsampling::s444;
  CHECK(turbojpeg_decode(encode("jpg", smooth(64, 48, 1), o)).subsampling == TJSAMP_GRAY);
}

TEST_CASE("PNG keeps every layout and depth exactly", "[encoder][png]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands)
      for (int level : {0, 1, 9}) {
        CAPTURE(bands, level, type == SampleType::u16);
        const Raster in = busy(37, 23, bands, type);
        EncodeOptions o;
        o.png_compression = level;
        require_equal(libpng_decode(encode("png", in, o)).pixels, in);
      }
}

// Not a test: time to encode one 256x256 RGB tile per format (run with "[.encoder-timing]"), on
// a smooth ramp and on the ramp with photographic-like grain added.
TEST_CASE("Encoder timing", "[.encoder-timing]") {
  Raster grainy = smooth(256, 256, 3);
  std::uint32_t seed = 12345;
  for (auto& v : grainy.data) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<std::uint8_t>(std::clamp(int(v) + int(seed >> 28) - 8, 0, 255));
  }
  for (const Raster& tile : {smooth(256, 256, 3), grainy}) {
    for (const OutputFormat& f : output_formats()) {
      for (int i = 0; i < 3; ++i) REQUIRE(f.encode(tile, {}, {}).ok());
      const int runs = 30;
      std::size_t size = 0;
      const auto start = std::chrono::steady_clock::now();
      for (int i = 0; i < runs; ++i) size = f.encode(tile, {}, {})->size();
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      std::printf("%-5s %8.2f ms %8zu bytes\n", std::string(f.extension).c_str(),
                  took.count() / runs, size);
    }
  }
}
