#include <catch2/catch.hpp>

#include <string>
#include <thread>

#include "cache/lru_cache.hpp"

using namespace tessera;

TEST_CASE("lru: least recently used entries go first when over budget") {
  LruCache<std::string, int> cache(10);
  cache.put("a", 1, 4);
  cache.put("b", 2, 4);
  CHECK(cache.get("a") == 1);  // a is now the most recent
  cache.put("c", 3, 4);        // 12 > 10: evicts b
  CHECK_FALSE(cache.get("b"));
  CHECK(cache.get("a") == 1);
  CHECK(cache.get("c") == 3);
  const auto s = cache.stats();
  CHECK(s.evictions == 1);
  CHECK(s.cost == 8);
  CHECK(s.entries == 2);
  CHECK(s.hits == 3);
  CHECK(s.misses == 1);
}

TEST_CASE("lru: replacing a key updates its cost; oversized entries are not stored") {
  LruCache<std::string, int> cache(10);
  cache.put("a", 1, 3);
  cache.put("a", 2, 5);
  CHECK(cache.get("a") == 2);
  CHECK(cache.stats().cost == 5);
  cache.put("huge", 9, 11);
  CHECK_FALSE(cache.get("huge"));
  CHECK(cache.get("a") == 2);
  cache.erase("a");
  CHECK(cache.stats().cost == 0);
}

TEST_CASE("sharded lru: concurrent use keeps the budget") {
  ShardedLru<std::string, int> cache(1600, 16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string key = std::to_string((i * 7 + t) % 500);
        if (!cache.get(key)) cache.put(key, i, 10);
      }
    });
  for (auto& th : threads) th.join();
  const auto s = cache.stats();
  CHECK(s.cost <= 1600);
  CHECK(s.entries * 10 == s.cost);
  CHECK(s.hits + s.misses == 20000);
}
