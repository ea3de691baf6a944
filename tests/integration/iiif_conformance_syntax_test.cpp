// Malformed IIIF image requests (Image API 3.0 sections 4.1-4.5 and 4.7, 2.1 the same): anything
// that is not the parameter's syntax is 400 with a one-line plain-text message naming the
// parameter, on both versions; unknown identifiers are 404.

#include <catch2/catch.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

bool one_line(const std::string& body) {
  const auto nl = body.find('\n');
  return !body.empty() && (nl == std::string::npos || nl == body.size() - 1);
}

void check_400(std::uint16_t port, const std::string& target, const std::string& parameter) {
  const auto r = http_get(port, target);
  INFO(target << " -> " << r.status << " " << r.body);
  CHECK(r.status == 400);
  CHECK(r.header("content-type").starts_with("text/plain"));
  CHECK(one_line(r.body));
  if (!parameter.empty()) CHECK(r.body.starts_with(parameter + ": "));
}

}  // namespace

TEST_CASE("iiif conformance: malformed parameters are 400 naming the parameter",
          "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const std::string v : {"3", "2"}) {
    const std::string base = "/iiif/" + v + "/grid.tif/";
    const std::string size = v == "3" ? "max" : "full";
    // Region: pixels "MUST be non-negative integers"; percentages digits and "." only.
    for (const char* region : {"10,10,10",
                               "10,10,10,10,10",
                               "-1,0,10,10",
                               "+5,0,10,10",
                               "1e2,0,10,10",
                               "10.5,0,10,10",
                               "0x10,0,10,10",
                               "10,10,10,10x",
                               ",0,10,10",
                               "0,0,10,10,",
                               "pct:1e1,0,10,10",
                               "pct:,0,10,10",
                               "pct:10,10,10",
                               "pct:-5,0,10,10",
                               "pct:+5,0,10,10",
                               "pct:5%,0,10,10",
                               "pct:",
                               "Full",
                               "FULL",
                               "Square",
                               "squared",
                               "max",
                               "pct:a,b,c,d"})
      check_400(port, base + region + "/" + size + "/0/default.jpg", "region");
    // Size.
    for (const char* s : {"+5,",       "1e2,",    ",",      "!100,",   "!,100",     "!100",
                          "pct:",      "pct:abc", "pct:-5", "pct:1e2", "pct:50%",   "pct:50abc",
                          "^^max",     "max,",    "MAX",    "Max",     "!!100,100", "100,100,",
                          "100,,",     "-100,",   "100.5,", "50",      "w,h",       "100,100x",
                          "!100,100x", "^!100,",  "100;,",  "0x10,"})
      check_400(port, base + "full/" + s + "/0/default.jpg", "size");
    // Quality and format: unknown values and wrong case ("A format value that is unsupported
    // SHOULD result in a 400"; likewise quality).
    for (const char* q : {"Default.jpg", "grey.jpg", "colour.jpg", "native.jpg", "DEFAULT.jpg",
                          ".jpg", "default.jpg.jpg"})
      check_400(port, base + "full/" + size + "/0/" + q, "quality");
    for (const char* f : {"default.JPG", "default.Jpg", "default.bmp", "default.", "default",
                          "default.jpg2", "default.jp%20g"})
      check_400(port, base + "full/" + size + "/0/" + f, "format");
  }
}

TEST_CASE("iiif conformance: empty path segments and misplaced slashes are 400",
          "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const std::string v : {"3", "2"}) {
    const std::string id = "/iiif/" + v + "/grid.tif";
    for (const std::string rest :
         {"//max/0/default.jpg", "/full//0/default.jpg", "/full/max//default.jpg", "/full/max/0/",
          "/full/max/0/default.jpg/", "//full/max/0/default.jpg"})
      check_400(port, id + rest, "");
    check_400(port, "/iiif/" + v + "//grid.tif/full/max/0/default.jpg", "");
  }
}

TEST_CASE("iiif conformance: unknown identifiers are 404 on every route", "[iiif][conformance]") {
  // "404 Not Found: The image resource specified by identifier does not exist".
  auto server = start_server();
  const auto port = server->port();
  for (const std::string prefix : {"/iiif/3/", "/iiif/2/", "/iiif/"})
    for (const std::string rest : {"", "/info.json", "/full/max/0/default.jpg"}) {
      const std::string target = prefix + "missing.tif" + rest;
      const auto r = http_get(port, target);
      INFO(target << " -> " << r.status << " " << r.body);
      CHECK(r.status == 404);
      CHECK(r.header("content-type").starts_with("text/plain"));
      CHECK(one_line(r.body));
    }
  // A directory is not an image.
  CHECK(http_get(port, "/iiif/3/sub/info.json").status == 404);
}
