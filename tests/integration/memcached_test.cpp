// Two Tessera instances behind one memcached: a tile one renders, the other serves from memcached;
// with memcached gone, both keep serving from their own caches.

#include <catch2/catch.hpp>

#include <chrono>

#include "tests/integration/fixture.hpp"
#include "tests/support/memcached_process.hpp"

using namespace tessera;
using namespace tessera::testing;
using Clock = std::chrono::steady_clock;

namespace {

bool have_memcached() {
  if (memcached_binary()) return true;
  WARN("memcached is not installed (scripts/setup.sh test): skipping the shared-cache tests");
  return false;
}

// One exposition line, exactly (a prefix match would take "1" for "10").
bool has_line(const std::string& metrics, const std::string& line) {
  return metrics.rfind(line + "\n", 0) == 0 ||
         metrics.find('\n' + line + '\n') != std::string::npos;
}

std::string metrics_of(const ServerProcess& server) {
  const auto r = http_get(server.port(), "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

// The grid's top-left 256x256, shown at 256 wide: its squares are known by construction.
void check_tile(const std::string& jpeg, std::int64_t x, std::int64_t y) {
  const GridCheck g = check_grid(decode_image("jpg", jpeg), x, y, 256, 256, 256, 256, 12);
  INFO(g.first_failure);
  CHECK(g.checked > 0);
  CHECK(g.failed == 0);
}

std::string tile_target(std::int64_t x, std::int64_t y) {
  return "/iiif/3/grid.tif/" + std::to_string(x) + "," + std::to_string(y) + ",256,256/256,/0/" +
         "default.jpg";
}

}  // namespace

TEST_CASE("memcached: a tile rendered by one instance is served from memcached by another",
          "[memcached]") {
  if (!have_memcached()) return;
  MemcachedProcess memcached;
  const std::vector<std::string> flags{"--memcached-servers", memcached.address()};
  auto a = start_server(flags);
  auto b = start_server(flags);
  CHECK_THAT(a->log(), Catch::Contains("memcached cache on " + memcached.address()));

  const std::string tile = tile_target(0, 0);
  const auto from_a = http_get(a->port(), tile);
  REQUIRE(from_a.status == 200);
  const auto from_b = http_get(b->port(), tile);
  REQUIRE(from_b.status == 200);
  CHECK(from_b.body == from_a.body);
  CHECK(from_b.header("content-type") == "image/jpeg");
  check_tile(from_b.body, 0, 0);

  // A rendered it (a miss everywhere); B missed its own cache and found it in memcached.
  const std::string ma = metrics_of(*a), mb = metrics_of(*b);
  INFO("A:\n" << ma << "\nB:\n" << mb);
  CHECK(has_line(ma, "tessera_cache_misses_total{cache=\"responses\"} 1"));
  CHECK(has_line(ma, "tessera_cache_hits_total{cache=\"memcached\"} 0"));
  CHECK(has_line(ma, "tessera_cache_misses_total{cache=\"memcached\"} 1"));
  CHECK(has_line(mb, "tessera_cache_misses_total{cache=\"responses\"} 1"));
  CHECK(has_line(mb, "tessera_cache_hits_total{cache=\"memcached\"} 1"));
  CHECK(has_line(mb, "tessera_cache_misses_total{cache=\"memcached\"} 0"));

  // B keeps its copy locally: asking again does not go to memcached.
  CHECK(http_get(b->port(), tile).body == from_a.body);
  CHECK(has_line(metrics_of(*b), "tessera_cache_hits_total{cache=\"memcached\"} 1"));
}

TEST_CASE("memcached: with memcached down, both instances still serve", "[memcached]") {
  if (!have_memcached()) return;
  MemcachedProcess memcached;
  const std::vector<std::string> flags{"--memcached-servers", memcached.address()};
  auto a = start_server(flags);
  auto b = start_server(flags);
  REQUIRE(http_get(a->port(), tile_target(0, 0)).status == 200);

  memcached.stop();
  for (const auto* server : {a.get(), b.get()})
    for (std::int64_t x : {256, 512}) {
      const auto start = Clock::now();
      const auto r = http_get(server->port(), tile_target(x, 256));
      INFO(tile_target(x, 256) << " -> " << r.status << " " << r.body.substr(0, 100));
      REQUIRE(r.status == 200);
      check_tile(r.body, x, 256);
      CHECK(Clock::now() - start < std::chrono::seconds(2));
    }
  CHECK_THAT(a->log(), Catch::Contains("serving from the local cache"));
  CHECK_THAT(b->log(), Catch::Contains("serving from the local cache"));
}

TEST_CASE("memcached: an instance starts and serves when memcached is unreachable", "[memcached]") {
  // No memcached binary needed: nobody listens on this port.
  const auto server =
      start_server({"--memcached-servers", "127.0.0.1:" + std::to_string(free_loopback_port()),
                    "--memcached-timeout", "60"});
  const auto r = http_get(server->port(), tile_target(0, 0));
  REQUIRE(r.status == 200);
  check_tile(r.body, 0, 0);
}

TEST_CASE("memcached: invalid settings stop the start-up with a clear message", "[memcached]") {
  const auto bad = run_tessera({"--memcached-servers", "cache:99999"});
  CHECK(bad.exit_code != 0);
  CHECK_THAT(bad.err, Catch::Contains("--memcached-servers") && Catch::Contains("cache:99999"));
  const auto expiry = run_tessera({}, {{"MEMCACHED_TIMEOUT", "-5"}});
  CHECK(expiry.exit_code != 0);
  CHECK_THAT(expiry.err, Catch::Contains("MEMCACHED_TIMEOUT"));
}
