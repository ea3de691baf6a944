// The response cache over HTTP: one entry for URLs that mean the same bytes (whatever the
// protocol), never stale after a file is replaced, bounded by its byte budget, and one render
// for concurrent identical misses.

#include <catch2/catch.hpp>

#include <future>
#include <regex>
#include <thread>

#include "imaging/pyramid_writer.hpp"
#include "tests/integration/fixture.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

// The value of one /metrics sample, e.g. metric(port,
// "tessera_cache_hits_total{cache=\"responses\"}").
double metric(std::uint16_t port, const std::string& sample) {
  const HttpResponse r = http_get(port, "/metrics");
  REQUIRE(r.status == 200);
  const auto at = r.body.find("\n" + sample + " ");
  REQUIRE(at != std::string::npos);
  return std::stod(r.body.substr(at + sample.size() + 2));
}

Raster solid(std::int64_t w, std::int64_t h, std::uint8_t value) {
  Raster r(w, h, 3);
  std::fill(r.data.begin(), r.data.end(), value);
  return r;
}

const std::string hits = "tessera_cache_hits_total{cache=\"responses\"}";
const std::string misses = "tessera_cache_misses_total{cache=\"responses\"}";

}  // namespace

TEST_CASE("cache: URLs that give the same bytes share one entry across protocols", "[cache]") {
  auto server = start_server();
  const auto port = server->port();
  struct Same {
    std::string first, second;
  };
  // grid.tif is 1200x800 with 256-px tiles; tile (1,1) of the full resolution is IIP tile 6 of
  // resolution 3 and DeepZoom level 11 (ceil(log2(1200))) tile 1_1.
  const std::vector<Same> cases{
      {"/iiif/grid.tif/full/max/0/default.jpg", "/iiif/grid.tif/0,0,1200,800/1200,/0/default.jpg"},
      {"/iiif/grid.tif/256,256,256,256/256,/0/default.jpg",
       "/fcgi-bin/iipsrv.fcgi?FIF=grid.tif&JTL=3,6"},
      {"/iiif/grid.tif/512,256,256,256/256,/0/default.jpg", "/deepzoom/grid.tif_files/11/2_1.jpg"},
      {"/iiif/3/grid.tif/0,0,600,400/300,/0/default.png",
       "/iiif/2/grid.tif/0,0,600,400/300,200/0/default.png"},
  };
  for (const auto& c : cases) {
    INFO(c.first << " vs " << c.second);
    const double hits_before = metric(port, hits), misses_before = metric(port, misses);
    const HttpResponse a = http_get(port, c.first);
    const HttpResponse b = http_get(port, c.second);
    REQUIRE(a.status == 200);
    REQUIRE(b.status == 200);
    CHECK(a.body == b.body);
    CHECK(metric(port, misses) - misses_before == 1);  // the first rendered...
    CHECK(metric(port, hits) - hits_before == 1);      // ...the second was served from cache
  }
  // A different output is a different entry.
  const double misses_before = metric(port, misses);
  REQUIRE(http_get(port, "/iiif/grid.tif/256,256,256,256/256,/0/gray.jpg").status == 200);
  CHECK(metric(port, misses) - misses_before == 1);
}

TEST_CASE("cache: a replaced file is never answered from the old file's entries", "[cache]") {
  TempDir dir;
  const auto path = dir.path() / "img.tif";
  const Raster dark = solid(512, 512, 30), light = solid(512, 512, 220);
  REQUIRE_FALSE(write_pyramid_tiff(path, dark, {256, 256, TiffCompression::deflate}));
  ServerProcess server({"--root", dir.path().string()});
  const std::string tile = "/iiif/img.tif/0,0,256,256/256,/0/default.png";
  const HttpResponse before = http_get(server.port(), tile);
  REQUIRE(before.status == 200);
  CHECK(pixel_at(decode_image("png", before.body), 10, 10).r == 30);
  REQUIRE(http_get(server.port(), tile).body == before.body);  // cached

  // Written beside and renamed over, as deployments do: a new inode (and new mtime).
  const auto staged = dir.path() / "img.tif.new";
  REQUIRE_FALSE(write_pyramid_tiff(staged, light, {256, 256, TiffCompression::deflate}));
  std::filesystem::rename(staged, path);
  const HttpResponse after = http_get(server.port(), tile);
  REQUIRE(after.status == 200);
  CHECK(pixel_at(decode_image("png", after.body), 10, 10).r == 220);
  CHECK(after.header("etag") != before.header("etag"));

  // Rewritten in place (same inode): the size and mtime still change the key.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE_FALSE(write_pyramid_tiff(path, dark, {256, 256, TiffCompression::none}));
  const HttpResponse rewritten = http_get(server.port(), tile);
  REQUIRE(rewritten.status == 200);
  CHECK(pixel_at(decode_image("png", rewritten.body), 10, 10).r == 30);
}

TEST_CASE("cache: the byte budget bounds the response cache and evicts", "[cache]") {
  auto server = start_server({"--image-cache-mb", "1", "--tiff-compression", "none"});
  const auto port = server->port();
  // Uncompressed TIFF tiles of 192 KB each: a few fill the 1 MB budget.
  for (int x = 0; x < 4; ++x)
    for (int y = 0; y < 3; ++y) {
      const std::string t = "/iiif/grid.tif/" + std::to_string(x * 256) + "," +
                            std::to_string(y * 256) + ",256,256/256,/0/default.tif";
      REQUIRE(http_get(port, t).status == 200);
    }
  const double bytes = metric(port, "tessera_cache_bytes{cache=\"responses\"}");
  const double budget = metric(port, "tessera_cache_budget_bytes{cache=\"responses\"}");
  CHECK(budget == Approx(1 << 20).margin(16));
  CHECK(bytes > 0);
  CHECK(bytes <= budget);
  CHECK(metric(port, "tessera_cache_evictions_total{cache=\"responses\"}") > 0);
  // Header and file-handle caches are reported with their counters.
  CHECK(metric(port, "tessera_cache_entries{cache=\"images\"}") >= 1);
  CHECK(metric(port, "tessera_cache_hits_total{cache=\"file_handles\"}") >= 1);
}

TEST_CASE("cache: concurrent identical requests over HTTP render once", "[cache][coalesce]") {
  auto server = start_server();
  const auto port = server->port();
  REQUIRE(http_get(port, "/iiif/grid.tif/info.json").status == 200);  // open the file first
  // A slow output (full size, rotated, PNG) so the first render is still running when the
  // others arrive.
  const std::string target = "/iiif/grid.tif/full/max/33/default.png";
  constexpr int clients = 6;
  std::vector<std::unique_ptr<Connection>> connections;
  for (int i = 0; i < clients; ++i) connections.push_back(std::make_unique<Connection>(port));
  for (auto& c : connections) c->send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
  std::vector<std::string> bodies;
  for (auto& c : connections) {
    const HttpResponse r = c->read_response();
    REQUIRE(r.status == 200);
    bodies.push_back(r.body);
  }
  for (const auto& b : bodies) CHECK(b == bodies[0]);
  CHECK(metric(port, misses) == clients);  // each request missed the cache...
  CHECK(metric(port, "tessera_coalesced_requests_total") == clients - 1);  // ...one rendered
}

TEST_CASE("cache: a burst for one tile of an unopened file is answered in full",
          "[cache][coalesce]") {
  // Requests read before the file is open are deferred to workers; those read after it opened
  // join a render directly. A worker must never wait for a render queued behind it (with two
  // workers that deadlocked the server: a benchmark saw 0 answers in 20 s).
  for (int round = 0; round < 4; ++round) {
    auto server = start_server();
    const auto port = server->port();
    const std::string target = "/iiif/jpeg.tif/256,256,256,256/256,/0/default.jpg";
    constexpr int clients = 48;
    std::vector<std::unique_ptr<Connection>> connections;
    for (int i = 0; i < clients; ++i) connections.push_back(std::make_unique<Connection>(port));
    for (int i = 0; i < clients; ++i) {
      connections[i]->send("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
      if (i % 8 == 7) std::this_thread::sleep_for(std::chrono::milliseconds(1 + round));
    }
    auto answers = std::async(std::launch::async, [&] {
      int ok = 0;
      for (auto& c : connections) ok += c->read_response().status == 200;
      return ok;
    });
    const bool in_time = answers.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
    if (!in_time) server.reset();  // unblocks the reads
    REQUIRE(in_time);
    CHECK(answers.get() == clients);
  }
}
