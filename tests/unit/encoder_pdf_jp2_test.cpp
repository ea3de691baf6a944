// The JPEG 2000 and PDF encoders. JP2 output is decoded with OpenJPEG's own decoder and PDF
// output with the reference decoders' small PDF reader and zlib (tests/support).

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "imaging/encoder.hpp"
#include "tests/support/reference_decoders.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

const std::vector<int> all_bands[5] = {{}, {0}, {0, 1}, {0, 1, 2}, {0, 1, 2, 3}};

struct Size {
  int w, h;
  int resolutions;  // floor(log2(shorter side)) + 1, at most 6
};
const Size odd_sizes[] = {{1, 1, 1}, {3, 5, 2}, {257, 131, 6}};

// The smooth ramps with deterministic grain, so lossy coding has detail to give up.
Raster grainy(int w, int h, int bands) {
  Raster r = smooth(w, h, bands);
  std::uint32_t seed = 12345;
  for (auto& v : r.data) {
    seed = seed * 1664525u + 1013904223u;
    v = static_cast<std::uint8_t>(std::clamp(int(v) + int(seed >> 28) - 8, 0, 255));
  }
  return r;
}

// Bytes that only need to travel: the encoders embed the profile as it is.
std::string profile(std::size_t size, const char* space) {
  std::string p(size, '\0');
  for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<char>(i * 7 + 3);
  p.replace(16, 4, space);
  p.replace(36, 4, "acsp");
  return p;
}

std::string trimmed_end(const std::string& s) {
  return s.substr(0, s.find_last_not_of("\r\n") + 1);
}

Error error_of(const char* format, const Raster& r, const EncodeMetadata& m = {}) {
  auto out = find_output_format(format)->encode(r, {}, m);
  REQUIRE_FALSE(out.ok());
  return out.error();
}

}  // namespace

TEST_CASE("JPEG 2000 and PDF registry entries and cache key", "[encoder][jp2][pdf]") {
  const OutputFormat* jp2 = find_output_format("jp2");
  const OutputFormat* pdf = find_output_format("pdf");
  REQUIRE((jp2 && pdf));
  CHECK((jp2->name == "jp2" && jp2->mime_type == "image/jp2" && jp2->alpha && jp2->deep));
  CHECK((pdf->name == "pdf" && pdf->mime_type == "application/pdf" && pdf->alpha && !pdf->deep));
  CHECK(jp2 + 1 == pdf);  // after gif, before avif
  EncodeOptions a, b;
  CHECK(a.jp2_quality == -1);  // lossless unless asked
  b.jp2_quality = 50;
  CHECK(a.key() != b.key());
}

TEST_CASE("JPEG 2000 lossless is exact for every layout, depth and odd size", "[encoder][jp2]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands = 1; bands <= 4; ++bands)
      for (const Size& size : odd_sizes) {
        CAPTURE(bands, type == SampleType::u16, size.w, size.h);
        const Raster in = busy(size.w, size.h, bands, type);
        const std::string bytes = encode("jp2", in);
        // The JP2 signature box, then a file type box with the "jp2 " brand.
        CHECK(bytes.compare(0, 12, std::string("\0\0\0\x0CjP  \r\n\x87\n", 12)) == 0);
        CHECK(bytes.compare(16, 8, "ftypjp2 ") == 0);
        const Decoded d = openjpeg_decode(bytes);
        require_equal(d.pixels, in);
        CHECK(d.tags.at("reversible") == 1);
        CHECK(d.tags.at("prec") == (type == SampleType::u16 ? 16 : 8));
        CHECK(d.tags.at("resolutions") == size.resolutions);
        CHECK(d.tags.at("tiles") == 1);
        CHECK(d.tags.at("alpha") == (bands % 2 == 0 ? bands - 1 : -1));
      }
}

TEST_CASE("JPEG 2000 splits large images into 1024-pixel tiles", "[encoder][jp2]") {
  // Edge tiles of 6 columns and 1 row.
  const Raster in = busy(1030, 1025, 4, SampleType::u16);
  const Decoded d = openjpeg_decode(encode("jp2", in));
  require_equal(d.pixels, in);
  CHECK(d.tags.at("tile_w") == 1024);
  CHECK(d.tags.at("tile_h") == 1024);
  CHECK(d.tags.at("tiles") == 4);
  CHECK(d.tags.at("resolutions") == 6);
  CHECK(d.tags.at("alpha") == 3);
}

TEST_CASE("JPEG 2000 lossy reaches about its target PSNR and no more", "[encoder][jp2]") {
  for (int bands = 1; bands <= 4; ++bands)
    for (SampleType type : {SampleType::u8, SampleType::u16}) {
      CAPTURE(bands, type == SampleType::u16);
      Raster in = grainy(160, 120, bands);
      if (type == SampleType::u16)  // the same picture at 16 bits: v * 257
        in = [&] {
          Raster deep(in.width, in.height, bands, SampleType::u16);
          for (std::size_t i = 0; i < in.data.size(); ++i) {
            const std::uint16_t v = in.data[i] * 257;
            std::memcpy(deep.data.data() + 2 * i, &v, 2);
          }
          return deep;
        }();
      const std::string lossless = encode("jp2", in);
      EncodeOptions o;
      double previous = 0;
      std::size_t previous_size = 0;
      for (int quality : {20, 50, 80}) {
        CAPTURE(quality);
        o.jp2_quality = quality;
        const std::string bytes = encode("jp2", in, o);
        const Decoded d = openjpeg_decode(bytes);
        CHECK(d.tags.at("reversible") == 0);
        REQUIRE(d.pixels.type == in.type);
        // Target PSNR 20 + 40 * (q - 1) / 99 dB. OpenJPEG estimates distortion in the wavelet
        // domain and stops at whole coding passes: measured values land within about 3 dB.
        const double target = 20 + 40.0 * (quality - 1) / 99;
        const double p =
            psnr(pick(d.pixels, all_bands[bands], true), pick(in, all_bands[bands], true));
        CHECK(p > target - 4);
        CHECK(p < target + 4);
        CHECK(p > previous);
        CHECK(bytes.size() > previous_size);
        CHECK(bytes.size() < lossless.size());
        previous = p, previous_size = bytes.size();
      }
    }
}

TEST_CASE("JPEG 2000 keeps the ICC profile", "[encoder][jp2]") {
  for (int bands = 1; bands <= 4; ++bands) {
    CAPTURE(bands);
    const std::string icc = profile(3000, bands >= 3 ? "RGB " : "GRAY");
    const Raster in = busy(33, 17, bands);
    const Decoded d = openjpeg_decode(encode("jp2", in, {}, {icc, {}, 300, 300}));
    CHECK(d.icc == icc);
    require_equal(d.pixels, in);
  }
  CHECK(openjpeg_decode(encode("jp2", busy(8, 8, 3))).icc.empty());
}

TEST_CASE("PDF keeps grey and RGB pixels exactly in a Flate image", "[encoder][pdf]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands : {1, 3})
      for (const Size& size : odd_sizes) {
        CAPTURE(bands, type == SampleType::u16, size.w, size.h);
        const Raster in = busy(size.w, size.h, bands, type);
        const std::string bytes = encode("pdf", in);
        CHECK(bytes.compare(0, 5, "%PDF-") == 0);
        CHECK(trimmed_end(bytes).size() >= 5);
        CHECK(trimmed_end(bytes).compare(trimmed_end(bytes).size() - 5, 5, "%%EOF") == 0);
        const Decoded d = pdf_decode(bytes);
        require_equal(d.pixels, pick(in, all_bands[bands], true));
        CHECK(d.tags.at("pages") == 1);
        CHECK(d.tags.at("bpc") == 8);
        CHECK(d.names.at("Filter") == "FlateDecode");
        CHECK(d.names.at("ColorSpace") == (bands == 1 ? "DeviceGray" : "DeviceRGB"));
      }
}

TEST_CASE("PDF keeps alpha as a soft mask", "[encoder][pdf]") {
  for (SampleType type : {SampleType::u8, SampleType::u16})
    for (int bands : {2, 4}) {
      CAPTURE(bands, type == SampleType::u16);
      const Raster in = busy(45, 31, bands, type);
      const Decoded d = pdf_decode(encode("pdf", in));
      require_equal(d.pixels, pick(in, all_bands[bands], true));
      CHECK(d.tags.at("components") == bands - 1);
    }
}

TEST_CASE("PDF page is the image size in points at its resolution", "[encoder][pdf]") {
  struct Case {
    int w, h;
    double dpi_x, dpi_y;
    double page_w, page_h;
  };
  const Case cases[] = {
      {257, 131, 0, 0, 257, 131},          // unknown: 72 dpi, a pixel a point
      {257, 131, 72, 72, 257, 131},        //
      {300, 150, 300, 300, 72, 36},        // one inch by half an inch
      {257, 131, 300, 300, 61.68, 31.44},  // 257 * 72 / 300, 131 * 72 / 300
      {300, 300, 300, 150, 72, 144},       // separate horizontal and vertical resolution
      {1, 1, 0, 0, 3, 3},                  // scaled up to the 3-point minimum side
      {2, 10, 0, 0, 3, 15},                // uniformly
      {20000, 100, 0, 0, 14400, 72},       // scaled down to the 14400-point maximum
      {1, 6000, 0, 0, 3, 14400},           // beyond 4800:1 the short side is held at 3
  };
  for (const Case& c : cases) {
    CAPTURE(c.w, c.h, c.dpi_x, c.dpi_y);
    const Decoded d =
        pdf_decode(encode("pdf", smooth(c.w, c.h, 1), {}, {{}, {}, c.dpi_x, c.dpi_y}));
    REQUIRE(d.media_box.size() == 4);
    CHECK(d.media_box[0] == 0);
    CHECK(d.media_box[1] == 0);
    CHECK(d.media_box[2] == Approx(c.page_w).epsilon(1e-4));
    CHECK(d.media_box[3] == Approx(c.page_h).epsilon(1e-4));
    // The image fills the page: [w 0 0 h 0 0] cm.
    REQUIRE(d.image_matrix.size() == 6);
    CHECK(d.image_matrix[0] == Approx(c.page_w).epsilon(1e-4));
    CHECK(d.image_matrix[3] == Approx(c.page_h).epsilon(1e-4));
    CHECK((d.image_matrix[1] == 0 && d.image_matrix[2] == 0));
    CHECK((d.image_matrix[4] == 0 && d.image_matrix[5] == 0));
    CHECK((d.pixels.width == c.w && d.pixels.height == c.h));
  }
}

TEST_CASE("PDF embeds an ICC profile that matches the image's colour space", "[encoder][pdf]") {
  const Raster rgb = busy(20, 10, 3);
  const std::string icc = profile(2000, "RGB ");
  Decoded d = pdf_decode(encode("pdf", rgb, {}, {icc, {}, 0, 0}));
  CHECK(d.names.at("ColorSpace") == "ICCBased");
  CHECK(d.icc == icc);
  require_equal(d.pixels, rgb);

  const Raster grey_alpha = busy(20, 10, 2);
  const std::string grey_icc = profile(500, "GRAY");
  d = pdf_decode(encode("pdf", grey_alpha, {}, {grey_icc, {}, 0, 0}));
  CHECK(d.icc == grey_icc);
  require_equal(d.pixels, grey_alpha);

  // A profile for other bands, or not a profile at all, is left out.
  for (const std::string& other : {profile(500, "RGB "), std::string("not a profile")}) {
    d = pdf_decode(encode("pdf", busy(20, 10, 1), {}, {other, {}, 0, 0}));
    CHECK(d.names.at("ColorSpace") == "DeviceGray");
    CHECK(d.icc.empty());
  }
}

TEST_CASE("JPEG 2000 and PDF refuse empty and oversized rasters", "[encoder][jp2][pdf]") {
  for (const char* format : {"jp2", "pdf"}) {
    CAPTURE(format);
    CHECK(error_of(format, Raster()).code == Errc::internal);
    CHECK(error_of(format, Raster(0, 5, 3)).code == Errc::internal);
    CHECK(error_of(format, Raster(4, 4, 3, SampleType::f32)).code == Errc::internal);
  }
  Raster huge;  // a header only: the size checks come before any sample is read
  huge.width = 65536, huge.height = 1, huge.bands = 3;
  Error e = error_of("jp2", huge);
  CHECK(e.code == Errc::bad_request);
  CHECK(e.message.find("limited to 65535 pixels per side") != std::string::npos);
  // 2^31 + 65536 samples.
  huge.width = 65536, huge.height = 32769, huge.bands = 1;
  e = error_of("pdf", huge);
  CHECK(e.code == Errc::bad_request);
  CHECK(e.message.find("2 GiB") != std::string::npos);
  huge.width = std::int64_t{1} << 31;
  CHECK(error_of("pdf", huge).code == Errc::bad_request);
}

// OpenJPEG keeps its state in the codec and libharu in the document: concurrent encodes of
// different images must give the bytes lone encodes give.
TEST_CASE("JPEG 2000 and PDF encode different images concurrently", "[encoder][jp2][pdf]") {
  struct Job {
    const char* format;
    Raster in;
    EncodeOptions options;
    std::string expected;
  };
  std::vector<Job> jobs;
  EncodeOptions lossy;
  lossy.jp2_quality = 40;
  for (int t = 0; t < 4; ++t) {
    jobs.push_back({"jp2", busy(40 + t * 13, 30 + t * 7, t + 1), {}, {}});
    jobs.push_back({"jp2", grainy(64 + t, 48, t + 1), lossy, {}});
    jobs.push_back({"pdf", busy(50 + t * 11, 20 + t * 5, t + 1), {}, {}});
  }
  for (Job& job : jobs) job.expected = encode(job.format, job.in, job.options);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round)
        for (std::size_t j = t; j < jobs.size() + t; ++j) {
          const Job& job = jobs[j % jobs.size()];
          auto out = find_output_format(job.format)->encode(job.in, job.options, {});
          if (!out || *out != job.expected) ++mismatches;
        }
    });
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
  // And the bytes are right, not only stable.
  require_equal(openjpeg_decode(jobs[0].expected).pixels, jobs[0].in);
  require_equal(pdf_decode(jobs[2].expected).pixels, jobs[2].in);
}
