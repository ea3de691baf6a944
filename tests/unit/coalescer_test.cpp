// Request coalescing: one computation per key at a time, every waiter answered once.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "cache/coalescer.hpp"

using namespace tessera;

TEST_CASE("coalescer: the first joiner computes, later joiners wait for its value", "[coalesce]") {
  Coalescer<int> group;
  std::vector<std::pair<int, int>> answers;  // (waiter, value)
  CHECK(group.join("k", [&](const int& v, bool) { answers.emplace_back(1, v); }));
  CHECK_FALSE(group.join("k", [&](const int& v, bool) { answers.emplace_back(2, v); }));
  CHECK_FALSE(group.join("k", [&](const int& v, bool) { answers.emplace_back(3, v); }));
  CHECK(group.join("other", [&](const int& v, bool) { answers.emplace_back(4, v); }));
  CHECK(group.in_flight() == 2);
  CHECK(group.coalesced() == 2);
  CHECK(answers.empty());  // nobody is answered before the value exists

  group.finish("k", 42);
  REQUIRE(answers.size() == 3);
  CHECK(answers[0] == std::pair{1, 42});
  CHECK(answers[1] == std::pair{2, 42});
  CHECK(answers[2] == std::pair{3, 42});
  CHECK(group.in_flight() == 1);

  // Once finished, the key is computed afresh (the cache, not the coalescer, remembers values).
  CHECK(group.join("k", [&](const int& v, bool) { answers.emplace_back(5, v); }));
  group.finish("k", 7);
  group.finish("other", 9);
  group.finish("never-joined", 1);  // harmless
  REQUIRE(answers.size() == 5);
  CHECK(answers[3] == std::pair{5, 7});
  CHECK(answers[4] == std::pair{4, 9});
  CHECK(group.in_flight() == 0);
}

TEST_CASE("coalescer: a waiter may join again from inside its callback", "[coalesce]") {
  // finish() calls waiters outside its lock, so a waiter that starts new work cannot deadlock.
  Coalescer<int> group;
  bool rejoined_first = false;
  group.join("k",
             [&](const int&, bool) { rejoined_first = group.join("k", [](const int&, bool) {}); });
  group.finish("k", 1);
  CHECK(rejoined_first);
  group.finish("k", 2);
  CHECK(group.in_flight() == 0);
}

TEST_CASE("coalescer: concurrent joiners compute once and all get the value", "[coalesce]") {
  Coalescer<int> group;
  constexpr int threads = 8, rounds = 200;
  std::atomic<int> computed{0}, answered{0}, wrong{0};
  for (int round = 0; round < rounds; ++round) {
    std::atomic<int> ready{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, round] {
        ++ready;
        while (ready.load() < threads) {
        }
        const bool first = group.join("key", [&, round](const int& v, bool) {
          ++answered;
          if (v != round) ++wrong;
        });
        if (first) {
          ++computed;
          // Keep the computation open until every thread has joined or computed.
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          group.finish("key", round);
        }
      });
    for (auto& t : pool) t.join();
  }
  CHECK(answered == threads * rounds);
  CHECK(wrong == 0);
  // Each computation's value reached every waiter that joined during it; a thread that came
  // after a finish starts a new computation, so there are at least `rounds` of them.
  CHECK(computed >= rounds);
  CHECK(static_cast<int>(group.coalesced()) == threads * rounds - computed);
}
