// info.json of both versions, the compliance registry behind it, content negotiation and the
// public base URL.

#include <catch2/catch.hpp>

#include <algorithm>

#include "imaging/encoder.hpp"
#include "protocols/iiif/info.hpp"
#include "protocols/iiif/negotiation.hpp"
#include "protocols/public_url.hpp"

using namespace tessera;
using namespace tessera::iiif;
using json = nlohmann::ordered_json;

namespace {

// 1000x700 with 256x256 tiles and levels halved (rounding up) down to one tile.
ImageInfo pyramid() {
  ImageInfo info;
  info.format = "tiff";
  for (std::int64_t w = 1000, h = 700;; w = (w + 1) / 2, h = (h + 1) / 2) {
    info.levels.push_back({w, h, 256, 256, true});
    if (w <= 256 && h <= 256) break;
  }
  info.bands = 3;
  return info;
}

bool has(const json& array, std::string_view value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

Request with_headers(std::vector<std::pair<std::string, std::string>> headers) {
  Request r;
  r.target = "/iiif/a.tif/info.json";
  r.headers = std::move(headers);
  return r;
}

}  // namespace

TEST_CASE("iiif info 3.0: required properties, limits, sizes and tiles", "[iiif][info]") {
  InfoOptions o;
  o.limits = effective_limits({600, 500, 150'000});
  const json doc = info_json(pyramid(), "https://x.org/iiif/3/a.tif", Version::v3, o);
  CHECK(doc.begin().key() == "@context");  // SHOULD be the very first key
  CHECK(doc["@context"] == "http://iiif.io/api/image/3/context.json");
  CHECK(doc["id"] == "https://x.org/iiif/3/a.tif");
  CHECK(doc["type"] == "ImageService3");
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["profile"] == "level2");
  CHECK(doc["width"] == 1000);
  CHECK(doc["height"] == 700);
  CHECK(doc["maxWidth"] == 600);
  CHECK(doc["maxHeight"] == 500);
  CHECK(doc["maxArea"] == 150'000);
  // Levels are 1000x700, 500x350, 250x175: the first is too wide, the second too large.
  CHECK(doc["sizes"] == json::parse(R"([{"width":250,"height":175}])"));
  CHECK(doc["tiles"] == json::parse(R"([{"width":256,"scaleFactors":[1,2,4]}])"));
  CHECK_FALSE(doc.contains("rights"));
  CHECK_FALSE(doc.contains("preferredFormats"));
}

TEST_CASE("iiif info: advertised tiles fit the limits, and a height limit comes with a width",
          "[iiif][info]") {
  InfoOptions o;
  o.limits = effective_limits({100, 0, 0});
  json doc = info_json(pyramid(), "id", Version::v3, o);
  CHECK(doc["tiles"][0]["width"] == 64);  // 256 halved until it fits 100
  o.limits = effective_limits({0, 0, 5000});
  doc = info_json(pyramid(), "id", Version::v3, o);
  CHECK(doc["tiles"][0]["width"] == 64);  // 64 x 64 = 4096 <= 5000 < 128 x 128
  o.limits = effective_limits({0, 700, 0});
  doc = info_json(pyramid(), "id", Version::v3, o);
  CHECK(doc["maxHeight"] == 700);
  CHECK(doc["maxWidth"].get<std::int64_t>() > 0);
}

TEST_CASE("iiif info 3.0: extras come from the registry the parser uses", "[iiif][info]") {
  const json doc = info_json(pyramid(), "id", Version::v3, {});
  // Level 2 already covers jpg/png, default/color/gray and the level's features.
  for (const auto& f : output_formats()) {
    const bool level = f.extension == "jpg" || f.extension == "png";
    CHECK(has(doc["extraFormats"], f.extension) == !level);
  }
  CHECK(doc["extraQualities"] == json::array({"bitonal"}));
  for (std::string_view f : {"canonicalLinkHeader", "mirroring", "profileLinkHeader",
                             "rotationArbitrary", "sizeUpscaling"})
    CHECK(has(doc["extraFeatures"], f));
  for (std::string_view f : {"regionByPct", "regionByPx", "rotationBy90s", "sizeByW",
                             "sizeAboveFull", "sizeByDistortedWh"})
    CHECK_FALSE(has(doc["extraFeatures"], f));
  // A server that supports sizeUpscaling MUST state maxWidth or maxArea: the absolute cap is
  // stated even when nothing is configured.
  InfoOptions unlimited;
  unlimited.limits = effective_limits({});
  const json capped = info_json(pyramid(), "id", Version::v3, unlimited);
  CHECK(capped.contains("maxArea"));
  // Without upscaling the feature is not advertised.
  InfoOptions off;
  off.profile.allow_upscaling = false;
  CHECK_FALSE(has(info_json(pyramid(), "id", Version::v3, off)["extraFeatures"], "sizeUpscaling"));
}

TEST_CASE("iiif info 3.0: rights, preferred formats and extra members", "[iiif][info]") {
  InfoOptions o;
  o.preferred_formats = {"webp", "jpg"};
  o.rights = "http://rightsstatements.org/vocab/InC/1.0/";
  o.extra = json::parse(R"({"service":[{"id":"https://x.org/auth","type":"AuthProbeService2"}],
                            "width":1})");
  ImageInfo info = pyramid();
  json doc = info_json(info, "id", Version::v3, o);
  CHECK(doc["preferredFormats"] == json::array({"webp", "jpg"}));
  CHECK(doc["rights"] == "http://rightsstatements.org/vocab/InC/1.0/");
  CHECK(doc["service"][0]["type"] == "AuthProbeService2");
  CHECK(doc["width"] == 1000);  // extra members never override the document's own

  // The file's Copyright tag wins when it is a licence URI; plain text is not a 3.0 rights value.
  info.metadata["rights"] = "https://creativecommons.org/licenses/by/4.0/";
  CHECK(info_json(info, "id", Version::v3, o)["rights"] ==
        "https://creativecommons.org/licenses/by/4.0/");
  info.metadata["rights"] = "(c) 2026 Museum";
  CHECK(info_json(info, "id", Version::v3, o)["rights"] == o.rights);
  CHECK(is_rights_uri("http://creativecommons.org/publicdomain/zero/1.0/"));
  CHECK_FALSE(is_rights_uri("https://example.org/licence"));
  // A configured URI outside those vocabularies is not a 3.0 rights value either.
  o.rights = "https://example.org/licence";
  CHECK_FALSE(info_json(info, "id", Version::v3, o).contains("rights"));
  CHECK_FALSE(is_rights_uri("creativecommons.org/licenses/by/4.0/"));
}

TEST_CASE("iiif info 2.1: @id, the profile array, limits inside it, attribution and license",
          "[iiif][info][v2]") {
  InfoOptions o;
  o.limits = effective_limits({600, 0, 0});
  o.attribution = "Provided by Example";
  ImageInfo info = pyramid();
  info.metadata["rights"] = "https://example.org/terms";
  const json doc = info_json(info, "https://x.org/iiif/2/a.tif", Version::v2, o);
  CHECK(doc.begin().key() == "@context");
  CHECK(doc["@context"] == "http://iiif.io/api/image/2/context.json");
  CHECK(doc["@id"] == "https://x.org/iiif/2/a.tif");
  CHECK_FALSE(doc.contains("id"));
  CHECK_FALSE(doc.contains("type"));
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["width"] == 1000);
  CHECK(doc["height"] == 700);
  REQUIRE(doc["profile"].is_array());
  REQUIRE(doc["profile"].size() == 2);
  CHECK(doc["profile"][0] == "http://iiif.io/api/image/2/level2.json");
  const json& p = doc["profile"][1];
  CHECK(p["maxWidth"] == 600);
  CHECK_FALSE(p.contains("maxHeight"));  // only with maxWidth, and 0 means none
  CHECK(p["maxArea"].is_number());
  CHECK_FALSE(doc.contains("maxWidth"));  // 2.1 keeps limits in the profile description
  for (const auto& f : output_formats()) CHECK(has(p["formats"], f.extension));
  CHECK(p["qualities"] == json::array({"default", "color", "gray", "bitonal"}));
  for (std::string_view f : {"sizeAboveFull", "regionSquare", "mirroring", "rotationArbitrary",
                             "canonicalLinkHeader", "profileLinkHeader"})
    CHECK(has(p["supports"], f));
  for (std::string_view f : {"sizeUpscaling", "sizeByWh", "regionByPct", "sizeByDistortedWh"})
    CHECK_FALSE(has(p["supports"], f));
  CHECK(doc["sizes"].size() == 2);  // 250x175 and 500x350 are within maxWidth 600
  CHECK(doc["tiles"][0]["scaleFactors"] == json::array({1, 2, 4}));
  CHECK(doc["license"] == "https://example.org/terms");  // any URI is a 2.1 licence link
  CHECK(doc["attribution"] == "Provided by Example");

  info.metadata["rights"] = "Copyright 2026 Example Museum";
  const json text = info_json(info, "id", Version::v2, o);
  CHECK(text["attribution"] == "Copyright 2026 Example Museum");
  CHECK_FALSE(text.contains("license"));
}

TEST_CASE("iiif compliance: level 2 of each version and its profile URI", "[iiif][info]") {
  const Compliance v3 = compliance(Version::v3);
  const Compliance v2 = compliance(Version::v2);
  CHECK(v3.level == "level2");
  CHECK(v3.profile_uri == "http://iiif.io/api/image/3/level2.json");
  CHECK(v2.profile_uri == "http://iiif.io/api/image/2/level2.json");
  CHECK(v2.extra_qualities.empty());  // 2.1 level 2 includes bitonal
  CHECK(supports(Feature::sizeAboveFull, Version::v2));
  CHECK_FALSE(supports(Feature::sizeAboveFull, Version::v3));
  CHECK_FALSE(supports(Feature::sizeUpscaling, Version::v2));
  CHECK_FALSE(supports(Feature::sizeUpscaling, Version::v3, ProfileOptions{false}));
}

TEST_CASE("iiif negotiation: Content-Type of info.json", "[iiif][negotiation]") {
  const std::string ld3 = "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"";
  const std::string ld2 = "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"";
  // 3.0: JSON-LD without Accept, and under content negotiation otherwise.
  CHECK(info_content_type("", Version::v3) == ld3);
  CHECK(info_content_type("*/*", Version::v3) == ld3);
  CHECK(info_content_type("application/json", Version::v3) == "application/json");
  CHECK(info_content_type("application/ld+json", Version::v3) == ld3);
  CHECK(info_content_type("application/json, application/ld+json;q=0.5", Version::v3) ==
        "application/json");
  CHECK(info_content_type("application/ld+json;q=0, */*", Version::v3) == "application/json");
  CHECK(info_content_type("text/html", Version::v3) == ld3);
  // 2.1: JSON unless the client asks for JSON-LD explicitly.
  CHECK(info_content_type("", Version::v2) == "application/json");
  CHECK(info_content_type("*/*", Version::v2) == "application/json");
  CHECK(info_content_type("application/ld+json", Version::v2) == ld2);
  CHECK(info_content_type("Application/LD+JSON; q=0.9, application/json;q=0.5", Version::v2) ==
        ld2);
  CHECK(info_content_type(ld3, Version::v2) == "application/json");  // another version's
}

TEST_CASE("iiif negotiation: the version an Accept profile names", "[iiif][negotiation]") {
  CHECK(version_from_accept("application/ld+json;profile=\"http://iiif.io/api/image/2/"
                            "context.json\"") == Version::v2);
  CHECK(version_from_accept("text/html, application/ld+json; profile=\"http://iiif.io/api/"
                            "image/3/context.json\"; q=0.8") == Version::v3);
  // profile may list several URIs; quoted commas do not split ranges
  CHECK(version_from_accept("application/ld+json;profile=\"https://ex.org/a,b "
                            "http://iiif.io/api/image/2/context.json\"") == Version::v2);
  // The highest q wins, whatever the order.
  CHECK(version_from_accept("application/ld+json;profile=\"http://iiif.io/api/image/2/"
                            "context.json\";q=0.5, application/ld+json;profile=\"http://iiif.io/"
                            "api/image/3/context.json\"") == Version::v3);
  CHECK(version_from_accept("application/ld+json;profile=\"http://iiif.io/api/image/3/"
                            "context.json\";q=0.2, application/ld+json;profile=\"http://iiif.io/"
                            "api/image/2/context.json\";q=0.3") == Version::v2);
  CHECK_FALSE(version_from_accept("application/ld+json").has_value());
  CHECK_FALSE(version_from_accept("application/ld+json;profile=\"http://iiif.io/api/image/2/"
                                  "context.json\";q=0")
                  .has_value());
  CHECK_FALSE(version_from_accept("application/json;profile=\"http://iiif.io/api/image/2/"
                                  "context.json\"")
                  .has_value());
}

TEST_CASE("public base URL: configured, forwarded by a proxy, or from Host", "[url]") {
  CHECK(public_base(with_headers({{"host", "a.org:8080"}}), "") == "http://a.org:8080");
  CHECK(public_base(with_headers({{"host", "a.org"}}), "https://img.example.org/base/") ==
        "https://img.example.org/base");
  CHECK(public_base(with_headers({{"host", "internal:8080"},
                                  {"x-forwarded-proto", "https, http"},
                                  {"x-forwarded-host", "img.example.org, proxy2"},
                                  {"x-forwarded-prefix", "/images/"}}),
                    "") == "https://img.example.org/images");
  // Anything that is not a plausible scheme, host or path is ignored.
  CHECK(public_base(with_headers({{"host", "a.org"},
                                  {"x-forwarded-proto", "javascript"},
                                  {"x-forwarded-host", "evil\"><script>"},
                                  {"x-forwarded-prefix", "/../x\""}}),
                    "") == "http://a.org");
  CHECK(public_base(with_headers({{"host", "bad host"}}), "") == "http://localhost");
  CHECK(public_base(with_headers({{"x-forwarded-prefix", "no-slash"}}), "") == "http://localhost");
}
