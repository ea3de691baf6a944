#pragma once
// A cache shared by several Tessera processes or machines (memcached), consulted after the
// local response cache misses and filled after a render. Calls block (network round trips), so
// they run on workers only. An outage must look like a miss: never an error for the request.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cache/lru_cache.hpp"

namespace tessera {

class SecondLevelCache {
 public:
  virtual ~SecondLevelCache() = default;

  // The bytes stored under `key`, or nullopt (absent, or the cache is unreachable).
  virtual std::optional<std::string> get(std::string_view key) = 0;
  // Best effort: failures are logged (rate-limited), never reported.
  virtual void put(std::string_view key, std::string_view bytes) = 0;
  // hits, misses, entries/cost as far as known (0 when the server does not say).
  virtual CacheStats stats() const = 0;
};

}  // namespace tessera
