// IIIF response headers: the profile and canonical Link headers (3.0 sections 4.8 and 6, 2.1
// sections 4.7 and 6) with the canonical forms of each version's table; CORS on every response
// (3.0 section 7.1); conditional requests and HEAD (section 7).

#include <catch2/catch.hpp>

#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

struct Canonical {
  const char* request;    // region/size/rotation/quality.format
  const char* canonical;  // what the version's canonical table gives
};

// Requests `prefix + c.request` and checks the canonical Link, then that the canonical URL
// serves the same bytes (and names itself as canonical).
void check_canonical(std::uint16_t port, const std::string& prefix, const Canonical& c,
                     int version) {
  const std::string target = prefix + c.request;
  const auto r = http_get(port, target);
  INFO(target << " -> " << r.status << " " << r.body.substr(0, 100));
  REQUIRE(r.status == 200);
  const std::string link = r.header("link");
  INFO("Link: " << link);
  CHECK(link_target(link, "profile") ==
        "http://iiif.io/api/image/" + std::to_string(version) + "/level2.json");
  const std::string canonical = link_target(link, "canonical");
  CHECK(canonical == origin(port) + prefix + c.canonical);
  if (!canonical.starts_with(origin(port))) return;
  const auto again = http_get(port, canonical.substr(origin(port).size()));
  REQUIRE(again.status == 200);
  CHECK(again.body == r.body);
  CHECK(again.header("content-type") == r.header("content-type"));
  CHECK(link_target(again.header("link"), "canonical") == canonical);
}

}  // namespace

TEST_CASE("iiif conformance: 3.0 canonical link headers", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  // region: "full if the full image is requested, otherwise x,y,w,h"; size: "max if the
  // maximum size without upscaling is requested, ^max if the maximum upscaled size, otherwise
  // w,h ... or ^w,h if the request requires upscaling"; rotation: "! if mirrored, followed by
  // an integer if possible, otherwise a floating point value" (leading 0, no trailing zeros).
  for (const Canonical& c : std::initializer_list<Canonical>{
           {"full/max/0/default.jpg", "full/max/0/default.jpg"},
           {"full/1200,800/0/default.jpg", "full/max/0/default.jpg"},
           {"0,0,1200,800/max/0/default.png", "full/max/0/default.png"},
           {"pct:0,0,100,100/600,/0/default.jpg", "full/600,400/0/default.jpg"},
           {"full/,400/0/default.jpg", "full/600,400/0/default.jpg"},
           {"full/pct:50/0/default.jpg", "full/600,400/0/default.jpg"},
           {"full/!600,600/0/default.jpg", "full/600,400/0/default.jpg"},
           {"full/^600,/0/default.jpg", "full/600,400/0/default.jpg"},
           {"full/^1500,/0/default.jpg", "full/^1500,1000/0/default.jpg"},
           {"full/300,300/0/default.jpg", "full/300,300/0/default.jpg"},
           {"square/max/0/default.jpg", "200,0,800,800/max/0/default.jpg"},
           {"pct:12.5,25,50,37.5/max/0/default.jpg", "150,200,600,300/max/0/default.jpg"},
           {"pct:10.25,20.5,30.75,40.125/max/0/default.jpg", "123,164,369,321/max/0/default.jpg"},
           {"150,250,500,300/250,/0/default.jpg", "150,250,500,300/250,150/0/default.jpg"},
           {"150,250,500,300/^pct:200/0/default.jpg", "150,250,500,300/^1000,600/0/default.jpg"},
           {"full/300,/!0/default.jpg", "full/300,200/!0/default.jpg"},
           {"full/300,/90.0/default.jpg", "full/300,200/90/default.jpg"},
           {"full/300,/!180.000/default.jpg", "full/300,200/!180/default.jpg"},
           {"full/300,/22.50/default.png", "full/300,200/22.5/default.png"},
           {"full/300,/.5/default.png", "full/300,200/0.5/default.png"},
           {"full/300,/0/gray.jpg", "full/300,200/0/gray.jpg"},
           {"full/300,/0/bitonal.png", "full/300,200/0/bitonal.png"},
           {"full/300,/0/default.webp", "full/300,200/0/default.webp"},
       })
    check_canonical(port, "/iiif/3/grid.tif/", c, 3);
  // The unversioned route's canonical URL stays on that route.
  check_canonical(port, "/iiif/grid.tif/",
                  {"full/300,/0/default.jpg", "full/300,200/0/default.jpg"}, 3);
}

TEST_CASE("iiif conformance: 2.1 canonical link headers", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  // size: "full if the default size is requested, the w, syntax for images that should be
  // scaled maintaining the aspect ratio, and the w,h syntax for explicit sizes that change the
  // aspect ratio"; "the w, syntax should be considered the canonical form of request for the
  // max size, unless max is equivalent to full".
  for (const Canonical& c : std::initializer_list<Canonical>{
           {"full/full/0/default.jpg", "full/full/0/default.jpg"},
           {"full/max/0/default.jpg", "full/full/0/default.jpg"},
           {"full/1200,800/0/default.jpg", "full/full/0/default.jpg"},
           {"full/1200,/0/default.jpg", "full/full/0/default.jpg"},
           {"0,0,1200,800/600,/0/default.jpg", "full/600,/0/default.jpg"},
           {"full/,400/0/default.jpg", "full/600,/0/default.jpg"},
           {"full/pct:50/0/default.jpg", "full/600,/0/default.jpg"},
           {"full/600,400/0/default.jpg", "full/600,/0/default.jpg"},
           {"full/500,333/0/default.jpg", "full/500,/0/default.jpg"},
           {"full/!600,300/0/default.jpg", "full/450,/0/default.jpg"},
           {"full/300,300/0/default.jpg", "full/300,300/0/default.jpg"},
           {"full/1500,/0/default.jpg", "full/1500,/0/default.jpg"},
           {"square/full/0/default.jpg", "200,0,800,800/full/0/default.jpg"},
           {"pct:12.5,25,50,37.5/300,/0/default.jpg", "150,200,600,300/300,/0/default.jpg"},
           {"full/300,/!90/default.jpg", "full/300,/!90/default.jpg"},
           {"full/300,/22.50/default.png", "full/300,/22.5/default.png"},
           {"full/300,/.5/default.png", "full/300,/0.5/default.png"},
           {"full/300,/0/color.png", "full/300,/0/color.png"},
       })
    check_canonical(port, "/iiif/2/grid.tif/", c, 2);
}

TEST_CASE("iiif conformance: canonical max under size limits", "[iiif][conformance]") {
  auto server =
      start_server({"--max-width", "1000", "--max-height", "900", "--max-area", "600000"});
  const auto port = server->port();
  // 3.0: the limited maximum is still "max"; an upscaled maximum is "^max".
  check_canonical(port, "/iiif/3/grid.tif/", {"full/max/0/default.jpg", "full/max/0/default.jpg"},
                  3);
  check_canonical(port, "/iiif/3/grid.tif/",
                  {"0,0,300,200/^max/0/default.jpg", "0,0,300,200/^max/0/default.jpg"}, 3);
  // 2.1: max is not full here, so its canonical form is "w," with the width served.
  const auto r = http_get(port, "/iiif/2/grid.tif/full/max/0/default.jpg");
  REQUIRE(r.status == 200);
  const Raster got = decode_image("jpg", r.body);
  check_canonical(
      port, "/iiif/2/grid.tif/",
      {"full/max/0/default.jpg", ("full/" + std::to_string(got.width) + ",/0/default.jpg").c_str()},
      2);
}

TEST_CASE("iiif conformance: CORS on every response and the preflight", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  const std::string image = "/iiif/3/grid.tif/0,0,256,256/256,/0/default.jpg";
  const auto ok = http_get(port, image);
  const auto info = http_get(port, "/iiif/2/grid.tif/info.json");
  const auto see_other = http_get(port, "/iiif/3/grid.tif");
  const auto not_modified = http_get(port, image, {{"If-None-Match", ok.header("etag")}});
  const auto info_not_modified =
      http_get(port, "/iiif/2/grid.tif/info.json", {{"If-None-Match", info.header("etag")}});
  const auto bad = http_get(port, "/iiif/3/grid.tif/full/max/0/default.bmp");
  const auto missing = http_get(port, "/iiif/2/nothing.tif/info.json");
  const std::pair<const HttpResponse*, unsigned> expected[] = {{&ok, 200},
                                                               {&info, 200},
                                                               {&see_other, 303},
                                                               {&not_modified, 304},
                                                               {&info_not_modified, 304},
                                                               {&bad, 400},
                                                               {&missing, 404}};
  for (const auto& [r, status] : expected) {
    INFO("status " << r->status << ", expected " << status);
    CHECK(r->status == status);
    CHECK(r->header("access-control-allow-origin") == "*");
  }

  const auto preflight = http_request(port, "OPTIONS", "/iiif/3/grid.tif/info.json",
                                      {{"Origin", "https://viewer.example.org"},
                                       {"Access-Control-Request-Method", "GET"},
                                       {"Access-Control-Request-Headers", "Accept"}});
  CHECK(preflight.status / 100 == 2);
  CHECK(preflight.header("access-control-allow-origin") == "*");
  CHECK(preflight.header("access-control-allow-methods").find("GET") != std::string::npos);
  CHECK(preflight.header("access-control-allow-headers").find("Accept") != std::string::npos);
}

TEST_CASE("iiif conformance: validators, 304 and HEAD on both versions", "[iiif][conformance]") {
  auto server = start_server();
  const auto port = server->port();
  for (const std::string target :
       {"/iiif/3/grid.tif/0,0,256,256/256,/0/default.png", "/iiif/2/grid.tif/full/300,/0/gray.jpg",
        "/iiif/3/grid.tif/info.json", "/iiif/2/grid.tif/info.json"}) {
    INFO(target);
    const auto get = http_get(port, target);
    REQUIRE(get.status == 200);
    const std::string etag = get.header("etag");
    REQUIRE(!etag.empty());
    const auto cached = http_get(port, target, {{"If-None-Match", etag}});
    CHECK(cached.status == 304);
    CHECK(cached.body.empty());
    CHECK(cached.header("etag") == etag);
    CHECK(http_get(port, target, {{"If-None-Match", "\"other\""}}).status == 200);

    const auto head = http_request(port, "HEAD", target);
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    for (const char* h : {"content-type", "etag", "link", "access-control-allow-origin", "vary",
                          "cache-control", "last-modified"})
      CHECK(head.header(h) == get.header(h));
    CHECK(head.header("content-length") == std::to_string(get.body.size()));
  }
  // Different representations have different validators: the two versions' documents, and
  // JSON-LD versus JSON.
  const auto v3 = http_get(port, "/iiif/3/grid.tif/info.json");
  const auto v2 = http_get(port, "/iiif/2/grid.tif/info.json");
  const auto plain = http_get(port, "/iiif/3/grid.tif/info.json", {{"Accept", "application/json"}});
  CHECK(v3.header("etag") != v2.header("etag"));
  CHECK(v3.header("etag") != plain.header("etag"));
  CHECK(
      http_get(port, "/iiif/2/grid.tif/info.json", {{"If-None-Match", v3.header("etag")}}).status ==
      200);
}
