#pragma once
// The request and response as protocol handlers see them: plain values, no sockets, no Beast.
// The server converts to and from the wire; tests build them directly.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "imaging/engine.hpp"
#include "imaging/error.hpp"

namespace tessera {

enum class Method { get, head, options, other };

struct Request {
  Method method = Method::get;
  std::string target;  // as sent: path and query, still percent-encoded
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case

  std::string_view header(std::string_view lower_name) const;
  std::string_view path() const;   // target without the query
  std::string_view query() const;  // after '?', or empty
};

enum class CacheOutcome { none, hit, miss };

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>>
      headers;       // Content-Length is added by the server
  SharedBytes body;  // may be null (no body)
  CacheOutcome cache = CacheOutcome::none;

  void set(std::string name, std::string value);
  std::string_view header(std::string_view name) const;  // case-insensitive
};

// Work that must not run on an I/O thread (decode, resample, encode, first open of a file).
// The server runs it on the worker pool; it returns the final response.
struct Deferred {
  std::function<Response()> work;
};

using Reply = std::variant<Response, Deferred>;

// Runs deferred work in place; for callers that are already on a worker, and for tests.
Response resolve_now(Reply reply);

Response make_response(unsigned status, std::string content_type, std::string body);
Response error_response(const Error& error);

}  // namespace tessera
