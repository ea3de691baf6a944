#include "server/metrics.hpp"

#include <sstream>

#include "imaging/tiff_source.hpp"

namespace tessera {

void Metrics::record(std::string_view protocol, unsigned status, std::uint64_t bytes,
                     std::chrono::microseconds latency) {
  const double seconds = static_cast<double>(latency.count()) / 1e6;
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(protocol), status}];
  for (std::size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets[i]) ++latency_counts_[i];
  ++latency_total_count_;
  latency_sum_ += seconds;
  bytes_sent_ += bytes;
}

std::string Metrics::render(const Engine& engine, std::uint64_t coalesced) const {
  std::ostringstream out;
  {
    std::lock_guard lock(mutex_);
    out << "# HELP tessera_requests_total Requests answered, by protocol and HTTP status.\n"
        << "# TYPE tessera_requests_total counter\n";
    for (const auto& [key, count] : requests_)
      out << "tessera_requests_total{protocol=\"" << key.first << "\",status=\"" << key.second
          << "\"} " << count << "\n";
    out << "# HELP tessera_request_duration_seconds Time from reading a request to its response "
           "being written.\n"
        << "# TYPE tessera_request_duration_seconds histogram\n";
    for (std::size_t i = 0; i < buckets.size(); ++i)
      out << "tessera_request_duration_seconds_bucket{le=\"" << buckets[i] << "\"} "
          << latency_counts_[i] << "\n";
    out << "tessera_request_duration_seconds_bucket{le=\"+Inf\"} " << latency_total_count_ << "\n"
        << "tessera_request_duration_seconds_sum " << latency_sum_ << "\n"
        << "tessera_request_duration_seconds_count " << latency_total_count_ << "\n"
        << "# HELP tessera_response_bytes_total Response body bytes sent.\n"
        << "# TYPE tessera_response_bytes_total counter\n"
        << "tessera_response_bytes_total " << bytes_sent_ << "\n";
  }
  const auto gauge = [&out](const char* name, const char* help, std::int64_t value) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n"
        << name << " " << value << "\n";
  };
  gauge("tessera_requests_in_flight", "Requests read but not yet answered.", in_flight.load());
  gauge("tessera_open_connections", "Open client connections.", open_connections.load());
  gauge("tessera_worker_queue_depth", "Jobs waiting for a worker thread.", queue_depth.load());
  out << "# HELP tessera_refused_connections_total Connections refused with 503 over the "
         "connection limit.\n"
      << "# TYPE tessera_refused_connections_total counter\n"
      << "tessera_refused_connections_total " << refused_connections.load() << "\n";

  // Per cache: hits, misses, evictions and entries; bytes held and the budget where the cache
  // is measured in bytes, the entry limit where it is counted in entries.
  out << "# TYPE tessera_cache_hits_total counter\n# TYPE tessera_cache_misses_total counter\n"
      << "# TYPE tessera_cache_evictions_total counter\n# TYPE tessera_cache_entries gauge\n"
      << "# TYPE tessera_cache_bytes gauge\n# TYPE tessera_cache_budget_bytes gauge\n"
      << "# TYPE tessera_cache_max_entries gauge\n";
  const auto cache = [&out](const char* name, const CacheStats& s, bool in_bytes) {
    const std::string label = std::string("{cache=\"") + name + "\"} ";
    out << "tessera_cache_hits_total" << label << s.hits << "\n"
        << "tessera_cache_misses_total" << label << s.misses << "\n"
        << "tessera_cache_evictions_total" << label << s.evictions << "\n"
        << "tessera_cache_entries" << label << s.entries << "\n";
    if (in_bytes)
      out << "tessera_cache_bytes" << label << s.cost << "\n"
          << "tessera_cache_budget_bytes" << label << s.capacity << "\n";
    else
      out << "tessera_cache_max_entries" << label << s.capacity << "\n";
  };
  cache("responses", engine.response_cache_stats(), true);
  cache("images", engine.image_cache_stats(), false);
  cache("file_handles", tiff_handle_stats(), false);
  if (const auto* shared = engine.shared_cache()) cache("memcached", shared->stats(), true);
  out << "# HELP tessera_coalesced_requests_total Requests that waited for an identical "
         "request's render instead of rendering.\n"
      << "# TYPE tessera_coalesced_requests_total counter\n"
      << "tessera_coalesced_requests_total " << coalesced << "\n";
  out << "# HELP tessera_passthrough_total Tiles sent as the file stores them, without "
         "decoding.\n"
      << "# TYPE tessera_passthrough_total counter\n"
      << "tessera_passthrough_total " << engine.passthrough_count() << "\n";
  return out.str();
}

}  // namespace tessera
