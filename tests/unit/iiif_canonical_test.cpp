// IIIF Image API 2.1 sizes and the canonical URI syntax of both versions (3.0 section 4.8, 2.1
// section 4.7), checked against the specification's own rules and examples.

#include <catch2/catch.hpp>

#include "protocols/iiif/request.hpp"

using namespace tessera;
using namespace tessera::iiif;

namespace {

struct Resolved {
  ImageRequest request;
  View view;
};

Resolved resolve_path(std::string_view path, Version v, std::int64_t W, std::int64_t H,
                      ResolveOptions options = {}) {
  INFO(path);
  auto p = parse(path, v);
  REQUIRE(p.ok());
  auto view = resolve(p->image, W, H, options);
  REQUIRE(view.ok());
  return {p->image, *view};
}

std::string canonical_of(std::string_view path, Version v, std::int64_t W, std::int64_t H,
                         Limits limits = {}) {
  const Resolved r = resolve_path(path, v, W, H, ResolveOptions{limits});
  return canonical(r.request, r.view, W, H, effective_limits(limits));
}

std::pair<std::int64_t, std::int64_t> size_v2(std::string_view path, std::int64_t W, std::int64_t H,
                                              ResolveOptions o = {}) {
  const Resolved r = resolve_path(path, Version::v2, W, H, o);
  return {r.view.width, r.view.height};
}

Errc error_of(std::string_view path, Version v, std::int64_t W = 1000, std::int64_t H = 700,
              ResolveOptions o = {}) {
  auto p = parse(path, v);
  if (!p) return p.error().code;
  auto view = resolve(p->image, W, H, o);
  REQUIRE_FALSE(view.ok());
  return view.error().code;
}

using P = std::pair<std::int64_t, std::int64_t>;

}  // namespace

TEST_CASE("iiif 2.1: size forms, with upscaling allowed without a prefix", "[iiif][v2]") {
  // The 2.1 spec's examples use a 300x200 image: !225,100 gives 150,100.
  CHECK(size_v2("a/full/!225,100/0/default.jpg", 300, 200) == P{150, 100});
  CHECK(size_v2("a/full/full/0/default.jpg", 300, 200) == P{300, 200});
  CHECK(size_v2("a/full/max/0/default.jpg", 300, 200) == P{300, 200});
  CHECK(size_v2("a/full/150,/0/default.jpg", 300, 200) == P{150, 100});
  CHECK(size_v2("a/full/,150/0/default.jpg", 300, 200) == P{225, 150});
  CHECK(size_v2("a/full/pct:50/0/default.jpg", 300, 200) == P{150, 100});
  CHECK(size_v2("a/full/225,100/0/default.jpg", 300, 200) == P{225, 100});
  // sizeAboveFull: larger than the region without any prefix.
  CHECK(size_v2("a/full/600,/0/default.jpg", 300, 200) == P{600, 400});
  CHECK(size_v2("a/full/pct:150/0/default.jpg", 300, 200) == P{450, 300});
  CHECK(size_v2("a/full/!900,900/0/default.jpg", 300, 200) == P{900, 600});
  // max is bounded by the limits; full is the region's size, over the limits an error.
  const ResolveOptions small{Limits{200, 200, 0}};
  CHECK(size_v2("a/full/max/0/default.jpg", 300, 200, small) == P{200, 133});
  CHECK(error_of("a/full/full/0/default.jpg", Version::v2, 300, 200, small) == Errc::bad_request);
  // With upscaling switched off, sizes above the region are refused.
  CHECK(error_of("a/full/600,/0/default.jpg", Version::v2, 300, 200, ResolveOptions{{}, false}) ==
        Errc::bad_request);
}

TEST_CASE("iiif 2.1 and 3.0: what one version defines is malformed in the other", "[iiif][v2]") {
  CHECK(error_of("a/full/^max/0/default.jpg", Version::v2) == Errc::bad_request);
  CHECK(error_of("a/full/^600,/0/default.jpg", Version::v2) == Errc::bad_request);
  CHECK(error_of("a/full/full/0/default.jpg", Version::v3) == Errc::bad_request);
  CHECK(parse("a/full/full/0/default.jpg", Version::v2).ok());
  CHECK(parse("a/square/max/!90/bitonal.png", Version::v2).ok());
}

TEST_CASE("iiif 3.0: ^ sizes are 501 when upscaling is switched off, only if they upscale",
          "[iiif]") {
  const ResolveOptions off{{}, false};
  CHECK(error_of("a/full/^1200,/0/default.jpg", Version::v3, 1000, 700, off) ==
        Errc::not_implemented);
  auto p = parse("a/full/^500,/0/default.jpg", Version::v3);
  REQUIRE(p.ok());
  CHECK(resolve(p->image, 1000, 700, off).ok());
}

TEST_CASE("iiif 3.0: !w,h fits the server's limits, and sides under a pixel are 400", "[iiif]") {
  auto size_v3 = [](std::string_view path, Limits limits) {
    const Resolved r = resolve_path(path, Version::v3, 1200, 800, ResolveOptions{limits});
    return P{r.view.width, r.view.height};
  };
  // "as large as possible but not larger than the extracted region, w or h, or server-imposed
  // limits": 1200x800 within maxWidth 1000 is 1000x667; within maxArea 600000 it is 949x632
  // (948.7 x 632.5 rounded, 599768 pixels).
  CHECK(size_v3("a/full/!2000,2000/0/default.jpg", Limits{1000, 1000, 0}) == P{1000, 667});
  CHECK(size_v3("a/full/^!3000,3000/0/default.jpg", Limits{0, 0, 600'000}) == P{949, 632});
  CHECK(error_of("a/0,0,1000,10/10,/0/default.jpg", Version::v3, 1200, 800) == Errc::bad_request);
  CHECK(error_of("a/0,0,10,1000/,10/0/default.jpg", Version::v3, 1200, 1000) == Errc::bad_request);
}

TEST_CASE("iiif canonical 3.0: the table of section 4.8", "[iiif][canonical]") {
  const Version v3 = Version::v3;
  // region: full when the full image is requested, including a square region of a square image
  CHECK(canonical_of("a/full/max/0/default.jpg", v3, 300, 200) == "full/max/0/default.jpg");
  CHECK(canonical_of("a/0,0,300,200/max/0/default.jpg", v3, 300, 200) == "full/max/0/default.jpg");
  CHECK(canonical_of("a/square/max/0/default.jpg", v3, 300, 300) == "full/max/0/default.jpg");
  CHECK(canonical_of("a/square/max/0/default.jpg", v3, 300, 200) ==
        "50,0,200,200/max/0/default.jpg");
  // pct:41.6,7.5,40,70 on a 300x200 image is the spec's example of 125,15,120,140.
  CHECK(canonical_of("a/pct:41.6,7.5,40,70/max/0/default.jpg", v3, 300, 200) ==
        "125,15,120,140/max/0/default.jpg");
  // A region past the edge is the cropped region (the spec's 175,185 example).
  CHECK(canonical_of("a/125,15,200,200/max/0/default.jpg", v3, 300, 200) ==
        "125,15,175,185/max/0/default.jpg");
  // size: max when it is the largest size without upscaling, else w,h or ^w,h
  CHECK(canonical_of("a/full/300,/0/default.jpg", v3, 300, 200) == "full/max/0/default.jpg");
  CHECK(canonical_of("a/full/pct:100/0/default.jpg", v3, 300, 200) == "full/max/0/default.jpg");
  CHECK(canonical_of("a/full/150,/0/default.jpg", v3, 300, 200) == "full/150,100/0/default.jpg");
  CHECK(canonical_of("a/full/!225,100/0/default.jpg", v3, 300, 200) ==
        "full/150,100/0/default.jpg");
  CHECK(canonical_of("a/full/^600,/0/default.jpg", v3, 300, 200) == "full/^600,400/0/default.jpg");
  CHECK(canonical_of("a/full/^max/0/default.jpg", v3, 300, 200, Limits{600, 600, 0}) ==
        "full/^max/0/default.jpg");
  // max under a limit is still "max"; the same size asked as w,h is canonically max too.
  CHECK(canonical_of("a/full/max/0/default.jpg", v3, 300, 200, Limits{150, 150, 0}) ==
        "full/max/0/default.jpg");
  CHECK(canonical_of("a/full/150,100/0/default.jpg", v3, 300, 200, Limits{150, 150, 0}) ==
        "full/max/0/default.jpg");
  // rotation: ! when mirrored, an integer if possible, else no trailing zeros, leading 0
  CHECK(canonical_of("a/full/max/90.0/default.jpg", v3, 300, 200) == "full/max/90/default.jpg");
  CHECK(canonical_of("a/full/max/!22.50/default.jpg", v3, 300, 200) ==
        "full/max/!22.5/default.jpg");
  CHECK(canonical_of("a/full/max/.5/default.jpg", v3, 300, 200) == "full/max/0.5/default.jpg");
  CHECK(canonical_of("a/full/max/!0/default.jpg", v3, 300, 200) == "full/max/!0/default.jpg");
  // quality and format as requested
  CHECK(canonical_of("a/full/max/0/gray.png", v3, 300, 200) == "full/max/0/gray.png");
  CHECK(canonical_of("a/full/max/0/color.webp", v3, 300, 200) == "full/max/0/color.webp");
}

TEST_CASE("iiif canonical 2.1: full, w, for kept proportions, w,h for distortion",
          "[iiif][canonical][v2]") {
  const Version v2 = Version::v2;
  CHECK(canonical_of("a/full/full/0/default.jpg", v2, 300, 200) == "full/full/0/default.jpg");
  CHECK(canonical_of("a/full/max/0/default.jpg", v2, 300, 200) == "full/full/0/default.jpg");
  CHECK(canonical_of("a/full/,100/0/default.jpg", v2, 300, 200) == "full/150,/0/default.jpg");
  CHECK(canonical_of("a/full/pct:50/0/default.jpg", v2, 300, 200) == "full/150,/0/default.jpg");
  CHECK(canonical_of("a/full/!225,100/0/default.jpg", v2, 300, 200) == "full/150,/0/default.jpg");
  CHECK(canonical_of("a/full/150,100/0/default.jpg", v2, 300, 200) == "full/150,/0/default.jpg");
  CHECK(canonical_of("a/full/225,100/0/default.jpg", v2, 300, 200) == "full/225,100/0/default.jpg");
  CHECK(canonical_of("a/full/600,/0/default.jpg", v2, 300, 200) == "full/600,/0/default.jpg");
  // The deprecation note: w, is the canonical form of max when max is not the full size.
  CHECK(canonical_of("a/full/max/0/default.jpg", v2, 300, 200, Limits{150, 150, 0}) ==
        "full/150,/0/default.jpg");
  CHECK(canonical_of("a/125,15,120,140/90,/!345/gray.jpg", v2, 300, 200) ==
        "125,15,120,140/90,/!345/gray.jpg");
}
