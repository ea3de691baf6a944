#pragma once
// HTTP dates, entity tags and conditional requests (RFC 9110 §8.8, §13).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocols/http_types.hpp"

namespace tessera {

// IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::int64_t unix_seconds);
// Accepts IMF-fixdate and the two obsolete forms (RFC 850, asctime) as RFC 9110 requires.
std::optional<std::int64_t> parse_http_date(std::string_view text);

// A strong ETag derived from a key that names exactly the bytes of a representation.
std::string make_etag(std::string_view key);

// If-None-Match: "*" or a list of entity tags; weak comparison (a W/ prefix is ignored).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// True when the client's cached copy is current: If-None-Match decides when present,
// otherwise If-Modified-Since against the file's modification time.
bool is_not_modified(const Request& request, std::string_view etag, std::int64_t mtime_seconds);

// Adds ETag, Last-Modified and Cache-Control.
void add_validators(Response& response, const std::string& etag, std::int64_t mtime_seconds,
                    const std::string& cache_control);

// The 304 answer: validators and no body.
Response not_modified(const std::string& etag, std::int64_t mtime_seconds,
                      const std::string& cache_control);

}  // namespace tessera
