#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include <set>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "cache/memcached_cache.hpp"
#include "server/config.hpp"
#include "tests/support/memcached_process.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

// Every byte value, spaces, CR/LF and NULs: nothing a memcached key may contain.
std::string hostile_key(std::size_t n) {
  std::string key;
  for (std::size_t i = 0; key.size() < n; ++i) key += static_cast<char>(i & 0xFF);
  return key + " \r\nget x\r\n";
}

std::shared_ptr<MemcachedCache> cache_on(std::uint16_t port,
                                         const std::function<void(MemcachedOptions&)>& tweak = {}) {
  MemcachedOptions o;
  o.servers = {{"127.0.0.1", port}};
  o.retry_after = 300ms;
  o.io_timeout = 500ms;  // generous: CI machines may be busy, and successes must not time out
  if (tweak) tweak(o);
  auto cache = MemcachedCache::create(std::move(o));
  REQUIRE(cache.ok());
  return *cache;
}

// The memcached binary is a test package (scripts/setup.sh test); without it, say so loudly.
bool have_memcached() {
  if (testing::memcached_binary()) return true;
  WARN("memcached is not installed: skipping the tests against a real server");
  return false;
}

// Sends one text-protocol command to memcached and returns its first reply line.
std::string memcached_reply(std::uint16_t port, const std::string& command) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  timeval timeout{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string line = command + "\r\n";
    if (::send(fd, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size())) {
      char buf[512];
      ssize_t n = 0;
      while (reply.find("\r\n") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0)
        reply.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return reply.substr(0, reply.find("\r\n"));
}

// Collects what spdlog's default logger writes while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  int count(const std::string& what) const {
    const std::string text = out_.str();
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

ConfigOutcome load(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "tessera");
  return load_config(
      args,
      [env](const std::string& n) -> std::optional<std::string> {
        auto it = env.find(n);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
      },
      "/root");
}

}  // namespace

TEST_CASE("memcached: key digests are 128-bit XXH3 in hex", "[memcached]") {
  // XXH3-128 of the empty input, from the xxHash reference test vectors.
  CHECK(key_digest_hex("") == "99aa06d3014798d86001c324468d497f");
  std::set<std::string> seen;
  for (unsigned i = 0; i < 2000; ++i) {
    const std::string d = key_digest_hex(random_bytes(1 + i % 300, i));
    CHECK(d.size() == 32);
    CHECK(d.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(d);
  }
  CHECK(seen.size() == 2000);
  CHECK(key_digest_hex("abc") == key_digest_hex(std::string("abc")));
}

TEST_CASE("memcached: values are framed with their full key", "[memcached]") {
  // Layout by construction: magic, key length big-endian, key, bytes.
  CHECK(frame_value("k", "v") == std::string("TSR\x01\0\0\0\x01kv", 10));
  const std::string key = hostile_key(300), bytes = random_bytes(5000, 1);
  const std::string framed = frame_value(key, bytes);
  REQUIRE(unframe_value(key, framed) == bytes);
  CHECK(unframe_value("k", frame_value("k", "")) == std::string());

  std::string other = key;
  other[150] ^= 1;                                            // same length, one bit differs
  CHECK_FALSE(unframe_value(other, framed));                  // a digest collision reads as a miss
  CHECK_FALSE(unframe_value(key + "x", framed));              // longer key
  CHECK_FALSE(unframe_value(key.substr(1), framed));          // shorter key
  CHECK_FALSE(unframe_value(key, framed.substr(0, 7)));       // truncated header
  CHECK_FALSE(unframe_value(key, framed.substr(0, 100)));     // truncated key
  CHECK_FALSE(unframe_value(key, "XSR" + framed.substr(3)));  // foreign value
  CHECK_FALSE(unframe_value("", ""));
}

TEST_CASE("memcached: keys of any length and bytes map to valid memcached keys", "[memcached]") {
  auto cache = cache_on(1);  // never contacted
  for (const std::string& key : {std::string(), std::string("a"), hostile_key(10'000)}) {
    const std::string mkey = cache->memcached_key(key);
    CHECK(mkey == "tessera1:" + key_digest_hex(key));
    CHECK(mkey.size() <= 250);
    for (char c : mkey) CHECK(std::isgraph(static_cast<unsigned char>(c)));
  }
  CHECK(cache->memcached_key("a") != cache->memcached_key("b"));
}

TEST_CASE("memcached: server lists are parsed like iipsrv's MEMCACHED_SERVERS", "[memcached]") {
  auto ok = parse_memcached_servers(" 10.0.0.1:11311, cache-2.example.org ,[::1]:7000,");
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == 3);
  CHECK(((*ok)[0].host == "10.0.0.1" && (*ok)[0].port == 11311));
  CHECK(((*ok)[1].host == "cache-2.example.org" && (*ok)[1].port == 11211));
  CHECK(((*ok)[2].host == "::1" && (*ok)[2].port == 7000));
  CHECK(to_string(*ok) == "10.0.0.1:11311,cache-2.example.org:11211,[::1]:7000");
  CHECK(parse_memcached_servers("")->empty());
  for (const char* bad : {"host:0", "host:65536", "host:", "host:x", ":11211", "::1:11211", "[::1",
                          "[::1]x", "bad host:1", "a/b:1"}) {
    INFO(bad);
    CHECK_FALSE(parse_memcached_servers(bad).ok());
  }
}

TEST_CASE("memcached: settings and their validation", "[memcached][config]") {
  auto d = load({});
  REQUIRE(d.action == ConfigOutcome::Action::run);
  CHECK(d.config.memcached_servers.empty());
  CHECK(d.config.memcached_timeout == 86400);

  auto env = load({}, {{"MEMCACHED_SERVERS", "a:1,b"}, {"MEMCACHED_TIMEOUT", "600"}});
  REQUIRE(env.action == ConfigOutcome::Action::run);
  CHECK(to_string(env.config.memcached_servers) == "a:1,b:11211");
  CHECK(env.config.memcached_timeout == 600);
  auto flag = load({"--memcached-servers", "c:2", "--memcached-timeout", "0"},
                   {{"MEMCACHED_SERVERS", "a:1"}});
  CHECK(to_string(flag.config.memcached_servers) == "c:2");
  CHECK(flag.config.memcached_timeout == 0);

  auto bad = load({"--memcached-servers", "a:99999"});
  CHECK(bad.action == ConfigOutcome::Action::exit_error);
  CHECK(bad.message.find("--memcached-servers") != std::string::npos);
  CHECK(bad.message.find("a:99999") != std::string::npos);
  // Over 30 days memcached would read the number as a date.
  auto long_expiry = load({}, {{"MEMCACHED_TIMEOUT", "2592001"}});
  CHECK(long_expiry.action == ConfigOutcome::Action::exit_error);
  CHECK(long_expiry.message.find("MEMCACHED_TIMEOUT") != std::string::npos);
}

TEST_CASE("memcached: round trip through a real server", "[memcached]") {
  if (!have_memcached()) return;
  testing::MemcachedProcess server;
  auto a = cache_on(server.port(), [](MemcachedOptions& o) { o.expiry_seconds = 100; });
  auto b = cache_on(server.port());  // another instance

  CHECK_FALSE(a->get("absent"));
  const std::string key = hostile_key(1000), bytes = random_bytes(200'000, 2);
  a->put(key, bytes);
  CHECK(a->get(key) == bytes);
  CHECK(b->get(key) == bytes);  // what one instance stored, the other reads
  CHECK_FALSE(b->get(key.substr(1)));
  CHECK(a->stats().hits == 1);
  CHECK(a->stats().misses == 1);
  CHECK(b->stats().hits == 1);
  CHECK(b->stats().misses == 1);
  CHECK(a->failures() == 0);

  // The item is under prefix + SHA-256 and expires after MEMCACHED_TIMEOUT: memcached's meta
  // get reports its remaining TTL (t) and size (s: the framed value).
  const std::string meta =
      memcached_reply(server.port(), "mg tessera1:" + key_digest_hex(key) + " t s");
  INFO(meta);
  CHECK((meta == "HD t100 s" + std::to_string(8 + key.size() + bytes.size()) ||
         meta == "HD t99 s" + std::to_string(8 + key.size() + bytes.size())));
}

TEST_CASE("memcached: a digest collision is a miss, never another key's bytes", "[memcached]") {
  if (!have_memcached()) return;
  testing::MemcachedProcess server;
  auto cache = cache_on(server.port(), [](MemcachedOptions& o) {
    o.digest = [](std::string_view) { return std::string("collide"); };
  });
  cache->put("first", "one");
  CHECK(cache->get("first") == std::string("one"));
  CHECK_FALSE(cache->get("second"));  // same memcached key, different Tessera key
  cache->put("second", "two");
  CHECK_FALSE(cache->get("first"));
  CHECK(cache->get("second") == std::string("two"));
  CHECK(cache->failures() == 0);
}

TEST_CASE("memcached: values over the item limit are skipped", "[memcached]") {
  if (!have_memcached()) return;
  testing::MemcachedProcess server;  // memcached's default item limit: 1 MB
  auto cache = cache_on(server.port());
  const std::string key = "big";
  // The largest value the limit lets through: framing, key and overhead make exactly 1 MB.
  const std::size_t largest = (1u << 20) - 128 - cache->memcached_key(key).size() - 8 - key.size();
  const std::string fits = random_bytes(largest, 3);
  cache->put(key, fits);
  CHECK(cache->get(key) == fits);
  cache->put("bigger", random_bytes(largest + 1, 4));
  CHECK_FALSE(cache->get("bigger"));
  cache->put("huge", random_bytes(3 << 20, 5));
  CHECK_FALSE(cache->get("huge"));
  CHECK(cache->failures() == 0);  // not an outage
  cache->put("small", "s");
  CHECK(cache->get("small") == std::string("s"));
}

TEST_CASE("memcached: many threads share the pooled clients", "[memcached]") {
  if (!have_memcached()) return;
  testing::MemcachedProcess server;
  auto cache = cache_on(server.port(), [](MemcachedOptions& o) { o.max_clients = 3; });
  std::atomic<int> wrong{0}, missed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::string key = std::to_string(t) + "/" + std::to_string(i);
        const std::string value = random_bytes(100 + static_cast<std::size_t>(i), t * 1000 + i);
        cache->put(key, value);
        const auto got = cache->get(key);
        if (!got) ++missed;  // allowed rarely: a client not free within the timeout
        if (got && *got != value) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  CHECK(missed <= 6);
  CHECK(cache->stats().hits == 600 - static_cast<std::uint64_t>(missed.load()));
  CHECK(cache->failures() == 0);
}

TEST_CASE("memcached: an unreachable server is a fast miss, with few warnings", "[memcached]") {
  const std::uint16_t closed = testing::free_loopback_port();  // nobody listens there
  SECTION("calls return at once and back off") {
    auto cache = cache_on(closed, [](MemcachedOptions& o) { o.retry_after = 1000ms; });
    const auto start = Clock::now();
    for (int i = 0; i < 20; ++i) {
      CHECK_FALSE(cache->get("key" + std::to_string(i)));
      cache->put("key" + std::to_string(i), "value");
    }
    CHECK(Clock::now() - start < 1s);
    CHECK(cache->failures() == 1);  // the rest skipped memcached while backing off
    CHECK(cache->stats().misses == 20);
    CHECK(cache->stats().hits == 0);
  }
  SECTION("one caller probes after each back-off; warnings are rate-limited") {
    LogCapture log;
    auto cache = cache_on(closed, [](MemcachedOptions& o) {
      o.retry_after = 50ms;
      o.warn_every = 10s;
    });
    const auto start = Clock::now();
    while (Clock::now() - start < 500ms) {
      CHECK_FALSE(cache->get("key"));
      std::this_thread::sleep_for(5ms);
    }
    CHECK(cache->failures() >= 3);
    CHECK(cache->failures() <= 11);
    CHECK(log.count("memcached 127.0.0.1:" + std::to_string(closed)) == 1);
  }
}

TEST_CASE("memcached: a hung server costs one short timeout", "[memcached]") {
  if (!have_memcached()) return;
  testing::MemcachedProcess server;
  auto cache = cache_on(server.port(), [](MemcachedOptions& o) { o.io_timeout = 400ms; });
  cache->put("k", "v");
  REQUIRE(cache->get("k") == std::string("v"));

  server.freeze();  // accepts nothing, answers nothing
  const auto start = Clock::now();
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(cache->get("k"));
    cache->put("k2", "v2");
  }
  CHECK(Clock::now() - start < 1s);
  CHECK(cache->failures() == 1);
  server.thaw();

  bool recovered = false;
  for (const auto deadline = Clock::now() + 3s; !recovered && Clock::now() < deadline;) {
    recovered = cache->get("k") == std::string("v");
    if (!recovered) std::this_thread::sleep_for(50ms);
  }
  CHECK(recovered);
}

TEST_CASE("memcached: killed, then restarted: misses, then hits after the back-off",
          "[memcached]") {
  if (!have_memcached()) return;
  LogCapture log;
  testing::MemcachedProcess server;
  auto cache = cache_on(server.port());
  cache->put("k", "v");
  REQUIRE(cache->get("k") == std::string("v"));

  server.stop();
  const auto start = Clock::now();
  for (int i = 0; i < 5; ++i) {
    CHECK_FALSE(cache->get("k"));
    cache->put("k", "v");
  }
  CHECK(Clock::now() - start < 1s);
  CHECK(cache->failures() >= 1);
  CHECK(log.count("serving from the local cache") == 1);

  server.start();  // same port, empty
  bool recovered = false;
  const auto restarted = Clock::now();
  while (!recovered && Clock::now() - restarted < 3s) {
    cache->put("again", "x");
    recovered = cache->get("again") == std::string("x");
    if (!recovered) std::this_thread::sleep_for(50ms);
  }
  CHECK(recovered);
  CHECK(Clock::now() - restarted < 2s);  // back-off 300 ms
  CHECK(log.count("reachable again") == 1);
}
