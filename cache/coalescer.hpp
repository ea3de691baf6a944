#pragma once
// Request coalescing: while one caller computes the value for a key, later callers with the same
// key register a waiter instead of computing it again. Nobody blocks: the first caller computes
// wherever it likes (a worker) and finish() hands the value to every waiter, itself included.
// Nobody may wait for a value by blocking a thread that its computation could need.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tessera {

template <class Value>
class Coalescer {
 public:
  // Called with the value and whether this waiter is the one that computed it.
  using Waiter = std::function<void(const Value&, bool computed)>;

  // Registers `waiter` for `key`. Returns true when no computation of `key` is running: the
  // caller must then compute it and call finish(key, value) exactly once.
  bool join(const std::string& key, Waiter waiter) {
    std::lock_guard lock(mutex_);
    auto [it, first] = waiting_.try_emplace(key);
    it->second.push_back(std::move(waiter));
    if (!first) coalesced_.fetch_add(1, std::memory_order_relaxed);
    return first;
  }

  // Gives `value` to every waiter of `key` (called outside the lock, in join order) and forgets
  // the key, so the next join computes afresh.
  void finish(const std::string& key, const Value& value) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex_);
      auto it = waiting_.find(key);
      if (it == waiting_.end()) return;
      waiters = std::move(it->second);
      waiting_.erase(it);
    }
    for (std::size_t i = 0; i < waiters.size(); ++i) waiters[i](value, i == 0);
  }

  // Requests that waited for another's computation instead of computing.
  std::uint64_t coalesced() const noexcept { return coalesced_.load(std::memory_order_relaxed); }
  std::size_t in_flight() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<Waiter>> waiting_;
  std::atomic<std::uint64_t> coalesced_{0};
};

}  // namespace tessera
