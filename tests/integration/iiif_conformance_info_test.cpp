// IIIF image information (Image API 3.0 section 5, 2.1 section 5): required fields and their
// types, sizes and tiles from the pyramid, content negotiation, and the id from the request's
// host, from proxy headers or from --base-url.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;
using ojson = nlohmann::ordered_json;

namespace {

const std::string ld3 = "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"";
const std::string ld2 = "application/ld+json;profile=\"http://iiif.io/api/image/2/context.json\"";

// The info.json of a request with a Host header of our choosing (http_get sends its own).
ojson info_with_host(std::uint16_t port, const std::string& target, const std::string& host,
                     const std::string& extra_headers = "") {
  Connection c(port);
  c.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + extra_headers +
         "Connection: close\r\n\r\n");
  const auto r = c.read_response();
  REQUIRE(r.status == 200);
  return ojson::parse(r.body);
}

using SizeSet = std::set<std::pair<std::int64_t, std::int64_t>>;

SizeSet sizes_of(const ojson& doc) {
  SizeSet out;
  REQUIRE(doc["sizes"].is_array());
  for (const auto& s : doc["sizes"]) {
    REQUIRE(s["width"].is_number_integer());
    REQUIRE(s["height"].is_number_integer());
    out.insert({s["width"].get<std::int64_t>(), s["height"].get<std::int64_t>()});
  }
  return out;
}

// "A request constructed with the w,h syntax using these sizes MUST be supported"; 2.1 servers
// "SHOULD support both the w, and w,h forms".
void request_sizes(std::uint16_t port, const std::string& prefix, const SizeSet& sizes,
                   bool also_w) {
  for (const auto& [w, h] : sizes) {
    std::vector<std::string> forms{std::to_string(w) + "," + std::to_string(h)};
    if (also_w) forms.push_back(std::to_string(w) + ",");
    for (const auto& size : forms) {
      const Raster got = get_image(port, prefix + "full/" + size + "/0/default.jpg");
      CHECK(got.width == w);
      CHECK(got.height == h);
    }
  }
}

void check_tiles(const ojson& doc) {
  // One 256-pixel square tile description with a scale factor per pyramid level.
  REQUIRE(doc["tiles"].is_array());
  REQUIRE(doc["tiles"].size() == 1);
  const auto& t = doc["tiles"][0];
  CHECK(t["width"] == 256);
  if (t.contains("height")) CHECK(t["height"] == 256);
  CHECK(t["scaleFactors"] == ojson::parse("[1,2,4,8]"));
}

const SizeSet grid_levels{{150, 100}, {300, 200}, {600, 400}, {1200, 800}};

}  // namespace

TEST_CASE("iiif conformance: 3.0 info.json required fields and types", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const auto r = http_get(port, "/iiif/3/grid.tif/info.json");
  REQUIRE(r.status == 200);
  const ojson doc = ojson::parse(r.body);
  // "The @context property SHOULD appear as the very first key-value pair".
  REQUIRE(doc.is_object());
  CHECK(doc.begin().key() == "@context");
  CHECK(doc["@context"] == "http://iiif.io/api/image/3/context.json");
  CHECK(doc["id"] == origin(port) + "/iiif/3/grid.tif");  // no trailing slash
  CHECK(doc["type"] == "ImageService3");
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["profile"] == "level2");
  REQUIRE(doc["width"].is_number_integer());
  REQUIRE(doc["height"].is_number_integer());
  CHECK(doc["width"] == 1200);
  CHECK(doc["height"] == 800);
  // Limits: MAX_CVT 5000 by default, the area its square. "maxWidth MUST be specified if
  // maxHeight is specified"; a server offering sizeUpscaling "MUST specify maxWidth or maxArea".
  CHECK(doc["maxWidth"] == 5000);
  CHECK(doc["maxHeight"] == 5000);
  CHECK(doc["maxArea"] == 25000000);
  for (const char* key : {"maxWidth", "maxHeight", "maxArea"}) CHECK(doc[key].is_number_integer());

  CHECK(sizes_of(doc) == grid_levels);
  check_tiles(doc);
  for (const char* key : {"extraFeatures", "extraFormats", "extraQualities"}) {
    if (!doc.contains(key)) continue;
    REQUIRE(doc[key].is_array());
    for (const auto& v : doc[key]) CHECK(v.is_string());
  }
  CHECK_FALSE(doc.contains("rights"));  // the file states none and none is configured
  request_sizes(port, "/iiif/3/grid.tif/", sizes_of(doc), false);
}

TEST_CASE("iiif conformance: 2.1 info.json required fields and types", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/2/grid.tif/info.json");
  CHECK(doc.begin().key() == "@context");
  CHECK(doc["@context"] == "http://iiif.io/api/image/2/context.json");
  CHECK(doc["@id"] == origin(port) + "/iiif/2/grid.tif");
  if (doc.contains("@type")) CHECK(doc["@type"] == "iiif:Image");
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["width"].is_number_integer());
  CHECK(doc["width"] == 1200);
  CHECK(doc["height"] == 800);
  // "The first entry in the list MUST be a compliance level URI"; the description object
  // carries the limits.
  REQUIRE(doc["profile"].is_array());
  REQUIRE(doc["profile"].size() == 2);
  CHECK(doc["profile"][0] == "http://iiif.io/api/image/2/level2.json");
  const auto& p = doc["profile"][1];
  REQUIRE(p.is_object());
  for (const char* key : {"formats", "qualities", "supports"}) {
    REQUIRE(p[key].is_array());
    for (const auto& v : p[key]) CHECK(v.is_string());
  }
  CHECK(p["maxWidth"] == 5000);
  CHECK(p["maxHeight"] == 5000);
  CHECK(p["maxArea"] == 25000000);
  CHECK_FALSE(doc.contains("license"));
  CHECK_FALSE(doc.contains("attribution"));
  CHECK(sizes_of(doc) == grid_levels);
  check_tiles(doc);
  request_sizes(port, "/iiif/2/grid.tif/", sizes_of(doc), true);
}

TEST_CASE("iiif conformance: info.json sizes stay within the limits", "[iiif][conformance]") {
  // "Servers MUST ensure that sizes specified by any sizes or tiles properties are within any
  // size limits expressed." MAX_CVT 700 gives 700 x 700 and an area of 490000.
  auto server = start_server({"--max-cvt", "700"});
  const auto port = server->port();
  const ojson v3 = get_info(port, "/iiif/3/grid.tif/info.json");
  CHECK(v3["maxWidth"] == 700);
  CHECK(v3["maxHeight"] == 700);
  CHECK(v3["maxArea"] == 490000);
  const SizeSet within{{150, 100}, {300, 200}, {600, 400}};
  CHECK(sizes_of(v3) == within);
  const ojson v2 = get_info(port, "/iiif/2/grid.tif/info.json");
  CHECK(v2["profile"][1]["maxWidth"] == 700);
  CHECK(v2["profile"][1]["maxArea"] == 490000);
  CHECK(sizes_of(v2) == within);
  request_sizes(port, "/iiif/3/grid.tif/", within, false);
  // And the advertised limits are the enforced ones.
  CHECK(http_get(port, "/iiif/3/grid.tif/0,0,1200,100/700,/0/default.jpg").status == 200);
  CHECK(http_get(port, "/iiif/3/grid.tif/0,0,1200,100/701,/0/default.jpg").status == 400);
  const Raster max = get_image(port, "/iiif/3/grid.tif/full/max/0/default.jpg");
  CHECK(max.width == 700);
  CHECK(std::abs(max.height - 466.67) < 1.0);
}

TEST_CASE("iiif conformance: info.json content negotiation", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  struct Case {
    const char* target;
    const char* accept;  // "" for no Accept header
    std::string type;
  };
  for (const Case& c : std::initializer_list<Case>{
           // 3.0: "If the request does not include an Accept header, the HTTP Content-Type
           // header of the response SHOULD have the value application/ld+json ... profile".
           {"/iiif/3/grid.tif/info.json", "", ld3},
           {"/iiif/3/grid.tif/info.json", "application/json", "application/json"},
           {"/iiif/3/grid.tif/info.json", "application/ld+json", ld3},
           {"/iiif/3/grid.tif/info.json", ld3.c_str(), ld3},
           // 2.1: "If the client explicitly wants the JSON-LD content-type, then it MUST specify
           // this in an Accept header, otherwise the server MUST return the regular JSON".
           {"/iiif/2/grid.tif/info.json", "", "application/json"},
           {"/iiif/2/grid.tif/info.json", "application/json", "application/json"},
           {"/iiif/2/grid.tif/info.json", "*/*", "application/json"},
           {"/iiif/2/grid.tif/info.json", "application/ld+json", ld2},
       }) {
    std::map<std::string, std::string> headers;
    if (*c.accept) headers["Accept"] = c.accept;
    const auto r = http_get(port, c.target, headers);
    INFO(c.target << " Accept: " << c.accept);
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == c.type);
    CHECK(r.header("vary").find("Accept") != std::string::npos);
    CHECK(r.header("access-control-allow-origin") == "*");
    CHECK(link_target(r.header("link"), "profile") ==
          std::string("http://iiif.io/api/image/") + c.target[6] + "/level2.json");
    CHECK_NOTHROW(ojson::parse(r.body));
  }
}

TEST_CASE("iiif conformance: the id follows Host, X-Forwarded-* and --base-url",
          "[iiif][conformance]") {
  // "id: The base URI of the image ... including scheme, server, prefix and identifier".
  auto server = start_server();
  const auto port = server->port();
  CHECK(info_with_host(port, "/iiif/3/grid.tif/info.json", "images.example.org:8080")["id"] ==
        "http://images.example.org:8080/iiif/3/grid.tif");
  CHECK(info_with_host(port, "/iiif/2/grid.tif/info.json", "images.example.org")["@id"] ==
        "http://images.example.org/iiif/2/grid.tif");
  const std::map<std::string, std::string> proxy{{"X-Forwarded-Proto", "https"},
                                                 {"X-Forwarded-Host", "img.example.org"},
                                                 {"X-Forwarded-Prefix", "/images"}};
  CHECK(get_info(port, "/iiif/3/grid.tif/info.json", proxy)["id"] ==
        "https://img.example.org/images/iiif/3/grid.tif");
  CHECK(get_info(port, "/iiif/2/sub%2Fnested.tif/info.json", proxy)["@id"] ==
        "https://img.example.org/images/iiif/2/sub%2Fnested.tif");
  // The same base in redirects and canonical links as in the id.
  CHECK(http_get(port, "/iiif/3/grid.tif", proxy).header("location") ==
        "https://img.example.org/images/iiif/3/grid.tif/info.json");
  CHECK(
      link_target(http_get(port, "/iiif/3/grid.tif/full/100,/0/default.jpg", proxy).header("link"),
                  "canonical") ==
      "https://img.example.org/images/iiif/3/grid.tif/full/100,67/0/default.jpg");

  auto based = start_server({"--base-url", "https://base.example.org/service"});
  const auto bport = based->port();
  CHECK(get_info(bport, "/iiif/3/grid.tif/info.json")["id"] ==
        "https://base.example.org/service/iiif/3/grid.tif");
  CHECK(get_info(bport, "/iiif/3/grid.tif/info.json", proxy)["id"] ==
        "https://base.example.org/service/iiif/3/grid.tif");
  CHECK(get_info(bport, "/iiif/grid.tif/info.json")["id"] ==
        "https://base.example.org/service/iiif/grid.tif");
  CHECK(get_info(bport, "/iiif/2/grid.tif/info.json")["@id"] ==
        "https://base.example.org/service/iiif/2/grid.tif");
  CHECK(http_get(bport, "/iiif/2/grid.tif").header("location") ==
        "https://base.example.org/service/iiif/2/grid.tif/info.json");
}

TEST_CASE("iiif conformance: tiles stay within small limits", "[iiif][conformance]") {
  // "Servers MUST ensure that sizes specified by any sizes or tiles properties are within any
  // size limits expressed": with limits below the file's tile size (256) smaller tiles are
  // advertised, and served.
  auto server = start_server({"--max-width", "200", "--max-height", "200"});
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/3/grid.tif/info.json");
  REQUIRE(doc["maxWidth"] == 200);
  for (const auto& t : doc["tiles"]) {
    const std::int64_t w = t["width"],
                       h = t.contains("height") ? t["height"].get<std::int64_t>() : w;
    CHECK(w <= 200);
    CHECK(h <= 200);
    const auto s = std::to_string(w) + "," + std::to_string(h);
    CHECK(http_get(port, "/iiif/3/grid.tif/0,0," + s + "/" + s + "/0/default.jpg").status == 200);
  }
}

TEST_CASE("iiif conformance: every enforced limit is stated in info.json", "[iiif][conformance]") {
  // With --max-width -1 (unlimited width) the height limit still defaults to MAX_CVT. Since
  // "maxWidth MUST be specified if maxHeight is specified", info.json states a maxWidth too
  // (the width the area cap allows), and the stated maxHeight is what is enforced.
  auto server = start_server({"--max-width", "-1"});
  const auto port = server->port();
  const ojson doc = get_info(port, "/iiif/3/grid.tif/info.json");
  REQUIRE(doc.contains("maxWidth"));
  REQUIRE(doc.contains("maxHeight"));
  REQUIRE(doc.contains("maxArea"));
  CHECK(doc["maxHeight"] == 5000);
  CHECK(doc["maxWidth"].get<std::int64_t>() >= doc["maxArea"].get<std::int64_t>() / 5000);
  // 56x5600 is over the stated maxHeight, 50x5000 at it, 2000 wide over no limit.
  CHECK(http_get(port, "/iiif/3/grid.tif/0,0,8,800/^,5600/0/default.jpg").status == 400);
  CHECK(http_get(port, "/iiif/3/grid.tif/0,0,8,800/^,5000/0/default.jpg").status == 200);
  CHECK(http_get(port, "/iiif/3/grid.tif/0,0,1200,8/^6000,/0/default.jpg").status == 200);
}
