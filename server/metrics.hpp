#pragma once
// Counters for /metrics, in Prometheus' text exposition format. Updated from any thread.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "imaging/engine.hpp"

namespace tessera {

class Metrics {
 public:
  void record(std::string_view protocol, unsigned status, std::uint64_t bytes,
              std::chrono::microseconds latency);

  std::atomic<std::int64_t> in_flight{0};
  std::atomic<std::int64_t> open_connections{0};
  std::atomic<std::int64_t> queue_depth{0};
  std::atomic<std::uint64_t> refused_connections{0};

  // `coalesced`: requests that shared another request's render (ImageService).
  std::string render(const Engine& engine, std::uint64_t coalesced) const;

  // Upper bounds of the latency histogram, in seconds.
  static constexpr std::array<double, 12> buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  std::array<std::uint64_t, buckets.size()> latency_counts_{};
  std::uint64_t latency_total_count_ = 0;
  double latency_sum_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace tessera
