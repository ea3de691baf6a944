// The HTTP/1.1 core over real sockets: methods, validators, keep-alive, pipelining, limits.

#include <catch2/catch.hpp>

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/fixture.hpp"

using namespace tessera::testing;
using namespace std::chrono_literals;

namespace {
const std::string tile = "/iiif/rgb.tif/0,0,256,256/256,/0/default.jpg";

std::string get_line(const std::string& target, bool close = false) {
  return "GET " + target + " HTTP/1.1\r\nHost: t\r\n" + (close ? "Connection: close\r\n" : "") +
         "\r\n";
}
}  // namespace

TEST_CASE("http: image responses carry type, length, caching headers and CORS") {
  auto server = start_server();
  const auto r = http_get(server->port(), tile);
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "image/jpeg");
  CHECK(r.header("content-length") == std::to_string(r.body.size()));
  CHECK(r.header("cache-control") == "max-age=86400");
  CHECK(r.header("access-control-allow-origin") == "*");
  CHECK(r.header("etag").size() == 18);
  CHECK(r.header("etag").front() == '"');
  const auto mtime = std::filesystem::last_write_time(images().root / "rgb.tif");
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                        .count();
  const std::time_t t = static_cast<std::time_t>(secs);
  char expected[64];
  std::strftime(expected, sizeof expected, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&t));
  CHECK(r.header("last-modified") == expected);
}

TEST_CASE("http: HEAD gives the GET headers and no body") {
  auto server = start_server();
  const auto get = http_get(server->port(), tile);
  const auto head = http_request(server->port(), "HEAD", tile);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.header("content-length") == std::to_string(get.body.size()));
  CHECK(head.header("etag") == get.header("etag"));
  CHECK(head.header("content-type") == "image/jpeg");

  // On a kept-alive connection the next response must still parse (no stray body bytes).
  Connection c(server->port());
  c.send("HEAD " + tile + " HTTP/1.1\r\nHost: t\r\n\r\n" + get_line("/health"));
  CHECK(c.read_response(true).status == 200);
  CHECK(c.read_response().status == 200);
}

TEST_CASE("http: If-None-Match and If-Modified-Since answer 304") {
  auto server = start_server();
  const auto r = http_get(server->port(), tile);
  REQUIRE(r.status == 200);
  const auto by_etag = http_get(server->port(), tile, {{"If-None-Match", r.header("etag")}});
  CHECK(by_etag.status == 304);
  CHECK(by_etag.body.empty());
  CHECK(by_etag.header("etag") == r.header("etag"));
  CHECK(by_etag.header("access-control-allow-origin") == "*");
  const auto by_date =
      http_get(server->port(), tile, {{"If-Modified-Since", r.header("last-modified")}});
  CHECK(by_date.status == 304);
  const auto stale = http_get(server->port(), tile, {{"If-None-Match", "\"0000000000000000\""}});
  CHECK(stale.status == 200);
  const auto info = http_get(server->port(), "/iiif/rgb.tif/info.json");
  CHECK(
      http_get(server->port(), "/iiif/rgb.tif/info.json", {{"If-None-Match", info.header("etag")}})
          .status == 304);
}

TEST_CASE(
    "http: other methods get 405 with Allow; OPTIONS is a CORS preflight; bodies are refused") {
  auto server = start_server();
  for (const char* m : {"DELETE", "PUT", "PATCH", "TRACE"}) {
    const auto r = http_request(server->port(), m, tile);
    CHECK(r.status == 405);
    CHECK(r.header("allow") == "GET, HEAD, OPTIONS");
  }
  const auto pre = http_request(
      server->port(), "OPTIONS", tile,
      {{"Origin", "https://viewer.example"}, {"Access-Control-Request-Method", "GET"}});
  CHECK(pre.status == 204);
  CHECK(pre.header("access-control-allow-origin") == "*");
  CHECK(pre.header("access-control-allow-methods") == "GET, HEAD, OPTIONS");

  Connection c(server->port());
  c.send("POST /iiif/rgb.tif/info.json HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  const auto r = c.read_response();
  CHECK(r.status == 413);
  CHECK(c.closed_within(2s));
}

TEST_CASE("http: oversized headers get 431 and malformed requests 400") {
  auto server = start_server();
  Connection big(server->port());
  big.send("GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n");
  CHECK(big.read_response().status == 431);

  Connection junk(server->port());
  junk.send("THIS IS NOT HTTP\r\n\r\n");
  CHECK(junk.read_response().status == 400);
  CHECK(http_get(server->port(), "/health").status == 200);
}

TEST_CASE("http: keep-alive serves several requests on one connection") {
  auto server = start_server();
  Connection c(server->port());
  for (int i = 0; i < 5; ++i) {
    c.send(get_line(i % 2 ? "/iiif/rgb.tif/info.json" : tile));
    const auto r = c.read_response();
    CHECK(r.status == 200);
    CHECK(r.header("connection") != "close");
  }
  c.send(get_line("/health", true));
  CHECK(c.read_response().status == 200);
  CHECK(c.closed_within(2s));
}

TEST_CASE("http: pipelined requests are answered in order") {
  auto server = start_server();
  Connection c(server->port());
  // A slow render first, then cheap requests: responses must still come back in request order.
  const std::vector<std::string> targets = {"/iiif/grey.tif/full/700,/0/default.jpg", "/health",
                                            "/iiif/rgb.tif/info.json", "/nope", tile};
  std::string batch;
  for (const auto& t : targets) batch += get_line(t);
  c.send(batch);
  const auto first = c.read_response();
  CHECK(first.status == 200);
  CHECK(first.header("content-type") == "image/jpeg");
  CHECK(decode_jpeg(first.body).width == 700);
  CHECK(c.read_response().header("content-type") == "application/json");
  const auto info = c.read_response();
  CHECK(nlohmann::json::parse(info.body)["width"] == 1000);
  CHECK(c.read_response().status == 404);
  CHECK(decode_jpeg(c.read_response().body).width == 256);
}

TEST_CASE("http: a client that sends half a request is timed out while others are served") {
  auto server = start_server({"--read-timeout", "1", "--keepalive-timeout", "1"});
  Connection stalled(server->port());
  stalled.send(
      "GET /iiif/rgb.tif/info.json HTTP/1.1\r\nHost: t\r\n");  // no blank line: never finishes

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) CHECK(http_get(server->port(), tile).status == 200);
  CHECK(std::chrono::steady_clock::now() - start < 1s);  // not held up by the stalled client

  CHECK(stalled.closed_within(3s));
  CHECK(http_get(server->port(), "/health").status == 200);
}

TEST_CASE("http: idle keep-alive connections are closed after the idle timeout") {
  auto server = start_server({"--keepalive-timeout", "0.5"});
  Connection c(server->port());
  c.send(get_line("/health"));
  CHECK(c.read_response().status == 200);
  CHECK(c.closed_within(3s));
}

TEST_CASE("http: beyond max-connections new clients get 503 with Retry-After") {
  auto server = start_server({"--max-connections", "2"});
  Connection a(server->port()), b(server->port());
  a.send(get_line("/health"));
  b.send(get_line("/health"));
  CHECK(a.read_response().status == 200);
  CHECK(b.read_response().status == 200);
  Connection c(server->port());
  c.send(get_line("/health"));
  const auto r = c.read_response();
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(r.header("access-control-allow-origin") == "*");
}

TEST_CASE("http: CORS can be configured or turned off") {
  auto custom = start_server({"--cors", "https://viewer.example"});
  CHECK(http_get(custom->port(), tile).header("access-control-allow-origin") ==
        "https://viewer.example");
  auto off = start_server({}, {{"CORS", "none"}});
  const auto r = http_get(off->port(), tile);
  CHECK(r.status == 200);
  CHECK(r.headers.count("access-control-allow-origin") == 0);
}

TEST_CASE("http: /health and /metrics") {
  auto server = start_server();
  const auto health = http_get(server->port(), "/health");
  CHECK(health.status == 200);
  CHECK(nlohmann::json::parse(health.body)["status"] == "ok");
  http_get(server->port(), tile);
  http_get(server->port(), tile);
  http_get(server->port(), "/iiif/missing.tif/info.json");
  // A request is counted when its write completes, which may be just after the client has read it
  // (and connections are served by different I/O threads, so counts may land in any order).
  HttpResponse m;
  for (int attempt = 0; attempt < 100; ++attempt) {
    m = http_get(server->port(), "/metrics");
    if (m.body.find("status=\"404\"} 1") != std::string::npos &&
        m.body.find("status=\"200\"} 2") != std::string::npos)
      break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(m.status == 200);
  CHECK_THAT(m.body, Catch::Contains("tessera_requests_total{protocol=\"iiif\",status=\"200\"} 2"));
  CHECK_THAT(m.body, Catch::Contains("tessera_requests_total{protocol=\"iiif\",status=\"404\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("tessera_cache_hits_total{cache=\"responses\"} 1"));
  CHECK_THAT(m.body, Catch::Contains("tessera_request_duration_seconds_count"));
  CHECK_THAT(m.body, Catch::Contains(
                         "tessera_open_connections "));  // at least this one; others may be closing
}
