// IIIF routes: /iiif/3, /iiif/2 and the unversioned /iiif in the configured default version or
// the one the Accept header's JSON-LD profile names; base URI redirects (3.0 section 2, 2.1
// section 2); encoded identifiers (section 9); page selection in multi-image files.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

const std::string ctx2 = "http://iiif.io/api/image/2/context.json";
const std::string ctx3 = "http://iiif.io/api/image/3/context.json";
const std::string accept2 = "application/ld+json;profile=\"" + ctx2 + "\"";
const std::string accept3 = "application/ld+json;profile=\"" + ctx3 + "\"";

// ';' need not be encoded but may be ("Percent-encoding other characters introduces no
// ambiguity but is unnecessary").
std::string semicolon(const std::string& uri) {
  std::string out;
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri.compare(i, 3, "%3B") == 0) {
      out += ';';
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

bool varies_on_accept(const HttpResponse& r) {
  return r.header("vary").find("Accept") != std::string::npos;
}

// The unversioned route follows the default version, whichever way it was configured.
void check_default_version(std::uint16_t port, int version) {
  const auto doc = get_info(port, "/iiif/grid.tif/info.json");
  CHECK(doc["@context"] == (version == 3 ? ctx3 : ctx2));
  if (version == 3) {
    CHECK(doc["id"] == origin(port) + "/iiif/grid.tif");
  } else {
    CHECK(doc["@id"] == origin(port) + "/iiif/grid.tif");
  }
  // The versioned routes are unaffected.
  CHECK(get_info(port, "/iiif/3/grid.tif/info.json")["@context"] == ctx3);
  CHECK(get_info(port, "/iiif/2/grid.tif/info.json")["@context"] == ctx2);
  // Image requests use that version's syntax: `full` is a 2.1 size only, `^` a 3.0 prefix only.
  const auto full = http_get(port, "/iiif/grid.tif/full/full/0/default.jpg");
  const auto up = http_get(port, "/iiif/grid.tif/0,0,100,100/^200,/0/default.jpg");
  CHECK(full.status == (version == 2 ? 200u : 400u));
  CHECK(up.status == (version == 3 ? 200u : 400u));
  const auto r = http_get(port, "/iiif/grid.tif/full/100,/0/default.jpg");
  CHECK(link_target(r.header("link"), "profile") ==
        "http://iiif.io/api/image/" + std::to_string(version) + "/level2.json");
}

}  // namespace

TEST_CASE("iiif conformance: versioned routes and the default version", "[iiif][conformance]") {
  SECTION("default 3") {
    check_default_version(start_server()->port(), 3);
  }
  SECTION("IIIF_VERSION=2 in the environment") {
    auto server = start_server({}, {{"IIIF_VERSION", "2"}});
    check_default_version(server->port(), 2);
  }
  SECTION("--iiif-version 2") {
    auto server = start_server({"--iiif-version", "2"});
    check_default_version(server->port(), 2);
  }
  SECTION("--iiif-version 3 overrides IIIF_VERSION=2") {
    auto server = start_server({"--iiif-version", "3"}, {{"IIIF_VERSION", "2"}});
    check_default_version(server->port(), 3);
  }
}

TEST_CASE("iiif conformance: the Accept profile selects the version of the unversioned route",
          "[iiif][conformance]") {
  for (int default_version : {3, 2}) {
    auto server = start_server({"--iiif-version", std::to_string(default_version)});
    const auto port = server->port();
    const int other = default_version == 3 ? 2 : 3;
    const std::string accept = other == 2 ? accept2 : accept3;
    INFO("default " << default_version << ", Accept " << accept);

    const auto r = http_get(port, "/iiif/grid.tif/info.json", {{"Accept", accept}});
    REQUIRE(r.status == 200);
    CHECK(r.header("content-type") == accept);  // JSON-LD with the named profile
    CHECK(varies_on_accept(r));
    CHECK(nlohmann::json::parse(r.body)["@context"] == (other == 2 ? ctx2 : ctx3));

    // Image requests follow too (Link profile and syntax), and say that they vary.
    const std::string size = other == 2 ? "full" : "max";
    const auto img = http_get(port, "/iiif/grid.tif/0,0,100,100/" + size + "/0/default.jpg",
                              {{"Accept", accept}});
    REQUIRE(img.status == 200);
    CHECK(varies_on_accept(img));
    CHECK(link_target(img.header("link"), "profile") ==
          "http://iiif.io/api/image/" + std::to_string(other) + "/level2.json");
    CHECK(
        link_target(img.header("link"), "canonical").starts_with(origin(port) + "/iiif/grid.tif/"));

    // Naming the default's own profile, or none, keeps the default.
    const std::string own = default_version == 2 ? accept2 : accept3;
    CHECK(get_info(port, "/iiif/grid.tif/info.json", {{"Accept", own}})["@context"] ==
          (default_version == 2 ? ctx2 : ctx3));
    CHECK(
        get_info(port, "/iiif/grid.tif/info.json", {{"Accept", "application/json"}})["@context"] ==
        (default_version == 2 ? ctx2 : ctx3));
    // A versioned route ignores the profile.
    CHECK(get_info(port, "/iiif/3/grid.tif/info.json", {{"Accept", accept2}})["@context"] == ctx3);
    CHECK(get_info(port, "/iiif/2/grid.tif/info.json", {{"Accept", accept3}})["@context"] == ctx2);
  }
}

TEST_CASE("iiif conformance: base URIs redirect to info.json in the same version",
          "[iiif][conformance]") {
  // "It is RECOMMENDED that the response be a 303 status redirection to the image information
  // document's URI"; "the Location HTTP Header MUST be set".
  auto server = start_server();
  const auto port = server->port();
  for (const std::string prefix : {"/iiif/3/", "/iiif/2/", "/iiif/"})
    for (const std::string id : {"grid.tif", "sub%2Fnested.tif", "caf%C3%A9.tif", "stack.tif;1"}) {
      const std::string target = prefix + id;
      const auto r = http_get(port, target);
      INFO(target << " -> " << r.status << " " << r.body);
      CHECK(r.status == 303);
      CHECK(semicolon(r.header("location")) == origin(port) + target + "/info.json");
      CHECK(r.header("access-control-allow-origin") == "*");
      if (prefix == "/iiif/") CHECK(varies_on_accept(r));
      // Following it gives the document of that version, whose id is the base URI.
      const auto doc = get_info(port, r.header("location").substr(origin(port).size()));
      const std::string base = doc[prefix == "/iiif/2/" ? "@id" : "id"];
      CHECK(base + "/info.json" == r.header("location"));
      CHECK(semicolon(base) == origin(port) + target);
    }
  // The unversioned base URI with a 2.1 profile redirects within the unversioned route.
  const auto r = http_get(port, "/iiif/grid.tif", {{"Accept", accept2}});
  CHECK(r.status == 303);
  CHECK(r.header("location") == origin(port) + "/iiif/grid.tif/info.json");
  CHECK(varies_on_accept(r));
}

TEST_CASE("iiif conformance: percent-encoded identifiers", "[iiif][conformance]") {
  // "any slashes within the identifier part of the URI MUST be percent-encoded", and characters
  // outside US-ASCII too; the id in info.json is the encoded base URI.
  auto server = start_server();
  const auto port = server->port();
  const auto nested = get_info(port, "/iiif/3/sub%2Fnested.tif/info.json");
  CHECK(nested["id"] == origin(port) + "/iiif/3/sub%2Fnested.tif");
  CHECK(nested["width"] == 777);
  CHECK(nested["height"] == 555);
  const auto cafe = get_info(port, "/iiif/2/caf%C3%A9.tif/info.json");
  CHECK(cafe["@id"] == origin(port) + "/iiif/2/caf%C3%A9.tif");

  // The pixels are the nested file's (a lossless full-size copy).
  for (const std::string v : {"3", "2"}) {
    const std::string size = v == "3" ? "max" : "full";
    const Raster got =
        get_image(port, "/iiif/" + v + "/sub%2Fnested.tif/full/" + size + "/0/default.png");
    const Raster& want = images().grey;
    REQUIRE(got.width == want.width);
    REQUIRE(got.height == want.height);
    std::int64_t differing = 0;
    for (std::int64_t y = 0; y < want.height; ++y)
      for (std::int64_t x = 0; x < want.width; ++x)
        differing += pixel_at(got, x, y).r != want.row(y)[x];
    CHECK(differing == 0);
  }
}

TEST_CASE("iiif conformance: page selection with the delimiter", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const TiffSpec& spec = images().stack;
  const auto check_page = [&](const std::string& target, int image) {
    INFO(target << " should show image " << image);
    const Raster got = get_image(port, target);
    REQUIRE(got.width == spec.width);
    REQUIRE(got.height == spec.height);
    REQUIRE(got.bands >= 3);
    std::int64_t differing = 0;
    for (std::int64_t y = 0; y < got.height; ++y)
      for (std::int64_t x = 0; x < got.width; ++x)
        for (int b = 0; b < 3; ++b)
          differing += got.row(y)[x * got.bands + b] !=
                       static_cast<std::uint8_t>(written_value(spec, image, 0, x, y, b));
    CHECK(differing == 0);
  };
  check_page("/iiif/3/stack.tif;1/full/max/0/default.png", 1);
  check_page("/iiif/2/stack.tif;1/full/full/0/default.png", 1);
  check_page("/iiif/3/stack.tif;0/full/max/0/default.png", 0);
  check_page("/iiif/3/stack.tif/full/max/0/default.png", 0);
  const auto doc = get_info(port, "/iiif/3/stack.tif;1/info.json");
  CHECK(doc["width"] == spec.width);
  CHECK(doc["height"] == spec.height);

  // Pages that do not exist are unknown images.
  for (const char* id : {"stack.tif;3", "stack.tif;99", "grid.tif;1"})
    for (const std::string rest : {"/info.json", "/full/max/0/default.jpg"}) {
      const std::string target = std::string("/iiif/3/") + id + rest;
      INFO(target);
      CHECK(http_get(port, target).status == 404);
    }

  // A file whose name is the whole identifier wins over page selection.
  const Raster literal = get_image(port, "/iiif/3/stack.tif;2/full/max/0/default.png");
  CHECK(literal.width == 64);
  CHECK(literal.height == 48);
  CHECK(near(pixel_at(literal, 32, 24), stack_literal_colour, 0));

  // With the delimiter turned off the suffix is part of the name.
  auto off = start_server({"--iiif-delimiter", ""});
  CHECK(http_get(off->port(), "/iiif/3/stack.tif;1/info.json").status == 404);
  CHECK(http_get(off->port(), "/iiif/3/stack.tif;2/info.json").status == 200);
}

TEST_CASE("iiif conformance: Accept q-values weigh the profiles", "[iiif][conformance]") {
  // 3.0 section 5.1: the server "SHOULD respond following the rules of content negotiation"
  // (RFC 7231 section 5.3.2: the highest q-value wins; q=0 means "not acceptable").
  auto server = start_server();
  const auto port = server->port();
  CHECK(get_info(port, "/iiif/grid.tif/info.json", {{"Accept", accept2 + ";q=0"}})["@context"] ==
        ctx3);
  CHECK(get_info(port, "/iiif/grid.tif/info.json",
                 {{"Accept", accept2 + ";q=0.5, " + accept3}})["@context"] == ctx3);
  CHECK(get_info(port, "/iiif/grid.tif/info.json",
                 {{"Accept", accept3 + ";q=0.2, " + accept2 + ";q=0.9"}})["@context"] == ctx2);
}
