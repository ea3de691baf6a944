#pragma once
// A bounded least-recently-used map, safe for concurrent use. Capacity is in "cost" units
// (bytes for encoded responses, 1 per entry for open images); lookup, insert and eviction are O(1).
// ShardedLru splits the key space over independent LRUs so threads rarely contend for one lock.

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace tessera {

struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::uint64_t cost = 0;  // current total cost (bytes, or entries)
  std::uint64_t entries = 0;
  std::uint64_t capacity = 0;
};

template <class Key, class Value, class Hash = std::hash<Key>>
class LruCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<Value> get(const Key& key) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      ++stats_.misses;
      return std::nullopt;
    }
    ++stats_.hits;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->value;
  }

  // Entries costlier than the whole capacity are not stored.
  void put(const Key& key, Value value, std::size_t cost = 1) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) remove(it);
    if (cost > capacity_) return;
    order_.push_front(Entry{key, std::move(value), cost});
    index_.emplace(key, order_.begin());
    stats_.cost += cost;
    while (stats_.cost > capacity_ && !order_.empty()) {
      remove(index_.find(order_.back().key));
      ++stats_.evictions;
    }
  }

  void erase(const Key& key) {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(key); it != index_.end()) remove(it);
  }

  void clear() {
    std::lock_guard lock(mutex_);
    order_.clear();
    index_.clear();
    stats_.cost = 0;
  }

  CacheStats stats() const {
    std::lock_guard lock(mutex_);
    CacheStats s = stats_;
    s.entries = index_.size();
    s.capacity = capacity_;
    return s;
  }

 private:
  struct Entry {
    Key key;
    Value value;
    std::size_t cost;
  };
  using Index = std::unordered_map<Key, typename std::list<Entry>::iterator, Hash>;

  void remove(typename Index::iterator it) {
    stats_.cost -= it->second->cost;
    order_.erase(it->second);
    index_.erase(it);
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // most recently used first
  Index index_;
  CacheStats stats_;
};

template <class Key, class Value, class Hash = std::hash<Key>>
class ShardedLru {
 public:
  // `shards` is rounded up to a power of two; each shard gets an equal part of the capacity.
  ShardedLru(std::size_t capacity, std::size_t shards) {
    std::size_t n = 1;
    while (n < shards) n <<= 1;
    mask_ = n - 1;
    for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(capacity / n));
  }

  std::optional<Value> get(const Key& key) { return shard(key).get(key); }
  void put(const Key& key, Value value, std::size_t cost = 1) {
    shard(key).put(key, std::move(value), cost);
  }
  void erase(const Key& key) { shard(key).erase(key); }
  void clear() {
    for (auto& s : shards_) s->clear();
  }

  CacheStats stats() const {
    CacheStats total;
    for (const auto& s : shards_) {
      const CacheStats st = s->stats();
      total.hits += st.hits;
      total.misses += st.misses;
      total.evictions += st.evictions;
      total.cost += st.cost;
      total.entries += st.entries;
      total.capacity += st.capacity;
    }
    return total;
  }

 private:
  using Shard = LruCache<Key, Value, Hash>;
  Shard& shard(const Key& key) { return *shards_[Hash{}(key)&mask_]; }

  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t mask_ = 0;
};

}  // namespace tessera
