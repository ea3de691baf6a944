// What info.json advertises is what the server serves (Image API 3.0 sections 5.5-5.7 and 6,
// 2.1 sections 5.3-5.4 and 6): every feature, format and quality of the compliance level and of
// the extra lists works; rights, licence and attribution come from the file or the settings;
// preferredFormats and --iiif-extra-info are included; upscaling follows --allow-upscaling.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;
using ojson = nlohmann::ordered_json;

namespace {

// The compliance documents' level 2 (3.0 compliance sections 2-4, 2.1 compliance section 2).
const std::vector<std::string> level2_features_v3{
    "regionByPx",    "regionSquare",    "regionByPct", "sizeByW",
    "sizeByH",       "sizeByWh",        "sizeByPct",   "sizeByConfinedWh",
    "rotationBy90s", "baseUriRedirect", "cors",        "jsonldMediaType"};
const std::vector<std::string> level2_features_v2{
    "regionByPx", "regionByPct",      "sizeByW",           "sizeByH",       "sizeByPct",
    "sizeByWh",   "sizeByConfinedWh", "sizeByDistortedWh", "rotationBy90s", "baseUriRedirect",
    "cors",       "jsonldMediaType"};
const std::vector<std::string> level2_formats{"jpg", "png"};
const std::vector<std::string> level2_qualities_v3{"default", "color", "gray"};
const std::vector<std::string> level2_qualities_v2{"default", "color", "gray", "bitonal"};
// The features each version's table defines.
const std::set<std::string> table_v3{
    "baseUriRedirect", "canonicalLinkHeader", "cors",          "jsonldMediaType",
    "mirroring",       "profileLinkHeader",   "regionByPct",   "regionByPx",
    "regionSquare",    "rotationArbitrary",   "rotationBy90s", "sizeByConfinedWh",
    "sizeByH",         "sizeByPct",           "sizeByW",       "sizeByWh",
    "sizeUpscaling"};
const std::set<std::string> media_types{"jpg:image/jpeg", "png:image/png", "webp:image/webp",
                                        "tif:image/tiff", "gif:image/gif", "avif:image/avif"};

// Makes one request that needs `feature` and checks that it works.
void exercise(std::uint16_t port, const std::string& prefix, const std::string& feature) {
  INFO(prefix << " feature " << feature);
  const std::string id = prefix + "grid.tif";
  const auto image = [&](const std::string& region, const std::string& size,
                         const std::string& rotation = "0", const std::string& fmt = "jpg") {
    return http_get(port, id + "/" + region + "/" + size + "/" + rotation + "/default." + fmt);
  };
  const auto sized = [&](const std::string& size, std::int64_t w, std::int64_t h) {
    const Raster got = get_image(port, id + "/full/" + size + "/0/default.jpg");
    CHECK(got.width == w);
    CHECK(got.height == h);
  };
  if (feature == "baseUriRedirect") {
    CHECK(http_get(port, id).status == 303);
  } else if (feature == "canonicalLinkHeader") {
    CHECK(!link_target(image("full", "100,").header("link"), "canonical").empty());
  } else if (feature == "profileLinkHeader") {
    CHECK(!link_target(image("full", "100,").header("link"), "profile").empty());
  } else if (feature == "cors") {
    CHECK(image("full", "100,").header("access-control-allow-origin") == "*");
    CHECK(http_get(port, id + "/info.json").header("access-control-allow-origin") == "*");
  } else if (feature == "jsonldMediaType") {
    const auto r = http_get(port, id + "/info.json", {{"Accept", "application/ld+json"}});
    CHECK(r.header("content-type").starts_with("application/ld+json"));
  } else if (feature == "mirroring") {
    CHECK(image("full", "100,", "!0").status == 200);
  } else if (feature == "regionByPct") {
    CHECK(image("pct:10,10,10,10", "max").status == 200);
  } else if (feature == "regionByPx") {
    CHECK(image("10,10,100,100", "max").status == 200);
  } else if (feature == "regionSquare") {
    CHECK(image("square", "100,").status == 200);
  } else if (feature == "rotationArbitrary") {
    CHECK(image("full", "100,", "22.5", "png").status == 200);
  } else if (feature == "rotationBy90s") {
    for (const char* r : {"90", "180", "270"}) CHECK(image("full", "100,", r).status == 200);
  } else if (feature == "sizeByConfinedWh") {
    sized("!100,100", 100, 67);
  } else if (feature == "sizeByH") {
    sized(",100", 150, 100);
  } else if (feature == "sizeByPct") {
    sized("pct:10", 120, 80);
  } else if (feature == "sizeByW") {
    sized("150,", 150, 100);
  } else if (feature == "sizeByWh") {
    sized("150,100", 150, 100);
  } else if (feature == "sizeByDistortedWh") {
    sized("100,300", 100, 300);
  } else if (feature == "sizeUpscaling") {
    sized("^1300,", 1300, 867);
  } else if (feature == "sizeAboveFull") {
    sized("1300,", 1300, 867);
  } else {
    FAIL("advertised feature with no check: " << feature);
  }
}

void exercise_format(std::uint16_t port, const std::string& prefix, const std::string& format) {
  if (format == "jp2" || format == "pdf") return;  // being added elsewhere; not tested here
  const auto r = http_get(port, prefix + "grid.tif/full/100,/0/default." + format);
  INFO(prefix << " format " << format << " -> " << r.status << " " << r.body.substr(0, 80));
  REQUIRE(r.status == 200);
  const std::string pair = format + ":" + r.header("content-type");
  CHECK(media_types.count(pair) == 1);
  const Raster got = decode_image(format, r.body);
  CHECK(got.width == 100);
}

void exercise_quality(std::uint16_t port, const std::string& prefix, const std::string& q) {
  const auto r = http_get(port, prefix + "grid.tif/full/100,/0/" + q + ".png");
  INFO(prefix << " quality " << q);
  CHECK(r.status == 200);
}

std::vector<std::string> strings(const ojson& v) {
  std::vector<std::string> out;
  if (v.is_array())
    for (const auto& s : v) out.push_back(s.get<std::string>());
  return out;
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("iiif conformance: 3.0 level2 and extra functionality all work", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/3/grid.tif/info.json");
  REQUIRE(doc["profile"] == "level2");
  const auto extra = strings(doc["extraFeatures"]);
  for (const auto& f : extra) {
    INFO(f);
    CHECK(table_v3.count(f) == 1);  // only names the 3.0 table defines
    CHECK(std::count(level2_features_v3.begin(), level2_features_v3.end(), f) == 0);
  }
  for (const auto& f : plus(level2_features_v3, extra)) exercise(port, "/iiif/3/", f);
  for (const auto& f : plus(level2_formats, strings(doc["extraFormats"])))
    exercise_format(port, "/iiif/3/", f);
  for (const auto& q : plus(level2_qualities_v3, strings(doc["extraQualities"])))
    exercise_quality(port, "/iiif/3/", q);
}

TEST_CASE("iiif conformance: 2.1 level2 and profile description all work", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/2/grid.tif/info.json");
  REQUIRE(doc["profile"][0] == "http://iiif.io/api/image/2/level2.json");
  const ojson& p = doc["profile"][1];
  for (const auto& f : plus(level2_features_v2, strings(p["supports"])))
    exercise(port, "/iiif/2/", f);
  for (const auto& f : plus(level2_formats, strings(p["formats"])))
    exercise_format(port, "/iiif/2/", f);
  for (const auto& q : plus(level2_qualities_v2, strings(p["qualities"])))
    exercise_quality(port, "/iiif/2/", q);
}

TEST_CASE("iiif conformance: rights, licence and attribution", "[iiif][conformance]") {
  SECTION("from the file's Copyright tag") {
    auto server = start_server();
    const auto port = server->port();
    CHECK(get_info(port, "/iiif/3/rights.tif/info.json")["rights"] == rights_uri);
    CHECK(get_info(port, "/iiif/2/rights.tif/info.json")["license"] == rights_uri);
    // Text is no 3.0 rights value ("MUST be a string drawn from the set of Creative Commons
    // license URIs, the RightsStatements.org rights statement URIs"), but a 2.1 attribution.
    CHECK_FALSE(get_info(port, "/iiif/3/credit.tif/info.json").contains("rights"));
    const ojson credit = get_info(port, "/iiif/2/credit.tif/info.json");
    CHECK(credit["attribution"] == credit_text);
    CHECK_FALSE(credit.contains("license"));
  }
  SECTION("from the settings, for files that state none") {
    const std::string statement = "http://rightsstatements.org/vocab/InC/1.0/";
    auto server = start_server({"--rights", statement, "--attribution", "Provided by Example"});
    const auto port = server->port();
    CHECK(get_info(port, "/iiif/3/grid.tif/info.json")["rights"] == statement);
    const ojson v2 = get_info(port, "/iiif/2/grid.tif/info.json");
    CHECK(v2["license"] == statement);
    CHECK(v2["attribution"] == "Provided by Example");
    CHECK(get_info(port, "/iiif/3/rights.tif/info.json")["rights"] == rights_uri);
    CHECK(get_info(port, "/iiif/2/credit.tif/info.json")["attribution"] == credit_text);
  }
}

TEST_CASE("iiif conformance: a configured rights URI outside the 3.0 vocabularies",
          "[iiif][conformance]") {
  // 3.0 section 5.6: rights "MUST be a string drawn from the set of Creative Commons license
  // URIs, the RightsStatements.org rights statement URIs, or those added via the Registry of
  // Known Extensions": another licence URI from --rights is stated only as 2.1's license.
  auto server = start_server({"--rights", "https://example.org/terms.html"});
  const auto port = server->port();
  CHECK_FALSE(get_info(port, "/iiif/3/grid.tif/info.json").contains("rights"));
  CHECK(get_info(port, "/iiif/2/grid.tif/info.json")["license"] ==
        "https://example.org/terms.html");
}

TEST_CASE("iiif conformance: preferredFormats and extra info", "[iiif][conformance]") {
  const std::string extra =
      R"({"service":[{"id":"https://example.org/auth","type":"AuthProbeService2"}],)"
      R"("partOf":[{"id":"https://example.org/manifest","type":"Manifest"}],"width":1})";
  auto server = start_server({"--preferred-formats", "webp,png", "--iiif-extra-info", extra});
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/3/grid.tif/info.json");
  CHECK(doc["preferredFormats"] == ojson::parse(R"(["webp","png"])"));
  // "The format parameter values listed MUST be among those specified in the referenced
  // profile or listed in the extraFormats property".
  const auto offered = plus(level2_formats, strings(doc["extraFormats"]));
  for (const auto& f : strings(doc["preferredFormats"])) {
    CHECK(std::count(offered.begin(), offered.end(), f) == 1);
    exercise_format(port, "/iiif/3/", f);
  }
  const ojson given = ojson::parse(extra);
  CHECK(doc["service"] == given["service"]);
  CHECK(doc["partOf"] == given["partOf"]);
  CHECK(doc["width"] == 1200);  // the image's own fields are not overridden
  CHECK(doc.begin().key() == "@context");
  const ojson v2 = get_info(port, "/iiif/2/grid.tif/info.json");
  CHECK(v2["service"] == given["service"]);
  CHECK(v2["width"] == 1200);
}

TEST_CASE("iiif conformance: upscaling advertised only when served", "[iiif][conformance]") {
  auto server = start_server({"--allow-upscaling", "false"});
  const auto port = server->port();
  const ojson v3 = get_info(port, "/iiif/3/grid.tif/info.json");
  CHECK(v3["profile"] == "level2");  // sizeUpscaling is optional at every level
  const auto extra = strings(v3["extraFeatures"]);
  CHECK(std::count(extra.begin(), extra.end(), "sizeUpscaling") == 0);
  // "a request for the size ^pct:120 should result in a 501 status code if the server does not
  // support upscaling" (^max of a small region needs upscaling too); '^' that needs no upscaling
  // is still fine.
  for (const char* size : {"^pct:120", "^1300,", "^max"}) {
    const auto r =
        http_get(port, std::string("/iiif/3/grid.tif/0,0,300,200/") + size + "/0/default.jpg");
    INFO(size << " -> " << r.status << " " << r.body);
    CHECK(r.status == 501);
    CHECK(r.header("access-control-allow-origin") == "*");
  }
  CHECK(http_get(port, "/iiif/3/grid.tif/full/^600,/0/default.jpg").status == 200);

  const ojson v2 = get_info(port, "/iiif/2/grid.tif/info.json");
  const auto supports = strings(v2["profile"][1]["supports"]);
  CHECK(std::count(supports.begin(), supports.end(), "sizeAboveFull") == 0);
  const auto r = http_get(port, "/iiif/2/grid.tif/full/1300,/0/default.jpg");
  CHECK((r.status == 400 || r.status == 501));
  CHECK(http_get(port, "/iiif/2/grid.tif/full/1200,/0/default.jpg").status == 200);
}
