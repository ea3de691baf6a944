#pragma once
// The second-level cache in memcached (libmemcached), shared by several Tessera instances.
// Every call is bounded by short network timeouts; after a failure memcached is skipped for a
// moment (one caller probes it again), so an outage costs one short wait, then only misses.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cache/second_level_cache.hpp"
#include "imaging/error.hpp"

namespace tessera {

struct MemcachedServer {
  std::string host;  // name or address (IPv6 without brackets)
  std::uint16_t port = 11211;
};

// iipsrv's MEMCACHED_SERVERS: "host[:port],host[:port]", IPv6 as "[::1]:11211"; port 11211
// when omitted. An empty list is valid (memcached off).
Result<std::vector<MemcachedServer>> parse_memcached_servers(std::string_view list);
std::string to_string(const std::vector<MemcachedServer>& servers);

struct MemcachedOptions {
  std::vector<MemcachedServer> servers;
  std::uint32_t expiry_seconds = 86400;         // MEMCACHED_TIMEOUT; 0: never (memcached's own LRU)
  std::chrono::milliseconds io_timeout{250};    // connect, poll, send and receive, each
  std::chrono::milliseconds retry_after{1000};  // skip memcached this long after a failure
  std::chrono::milliseconds warn_every{10'000};  // at most one outage warning per period
  std::size_t max_item_bytes = 1 << 20;          // memcached's item limit (-I), header included
  std::uint32_t max_clients = 64;                // pooled connections (about the worker count)
  std::string key_prefix = "tessera1:";          // change when the value format changes
  // The part of a memcached key derived from a Tessera key; default: SHA-256 in hex. Tests
  // replace it to force collisions.
  std::function<std::string(std::string_view)> digest;
};

class MemcachedCache final : public SecondLevelCache {
 public:
  // Fails only on an unusable configuration (no servers, a client that cannot be created); an
  // unreachable server is not an error.
  static Result<std::shared_ptr<MemcachedCache>> create(MemcachedOptions options);
  ~MemcachedCache() override;
  MemcachedCache(const MemcachedCache&) = delete;
  MemcachedCache& operator=(const MemcachedCache&) = delete;

  std::optional<std::string> get(std::string_view key) override;
  void put(std::string_view key, std::string_view bytes) override;
  CacheStats stats() const override;

  // The memcached key of a Tessera key: prefix + digest, at most 250 safe characters.
  std::string memcached_key(std::string_view key) const;
  // Operations that failed on the network (each one started a back-off).
  std::uint64_t failures() const noexcept { return failures_.load(); }

 private:
  struct Clients;  // pooled libmemcached handles
  class Lease;     // one of them, for one operation
  explicit MemcachedCache(MemcachedOptions options);

  bool should_try();  // false while backing off, except for the one caller that probes
  void on_success();
  void on_outage(const std::string& what);
  void warn(const std::string& what);

  MemcachedOptions options_;
  std::unique_ptr<Clients> clients_;
  std::atomic<std::int64_t> retry_at_{0};   // steady-clock ns; 0: healthy
  std::atomic<std::int64_t> last_warn_{0};  // steady-clock ns of the last warning
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, failures_{0};
};

// How a value is stored: a header, the full Tessera key, then the bytes, so a digest collision
// (or a foreign item under the same memcached key) is detected and read as a miss.
std::string frame_value(std::string_view key, std::string_view bytes);
std::optional<std::string> unframe_value(std::string_view key, std::string_view stored);

// 32 hex digits of XXH3-128: the digest part of memcached keys.
std::string key_digest_hex(std::string_view data);

}  // namespace tessera
