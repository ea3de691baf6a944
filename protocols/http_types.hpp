#pragma once
// The request and response as protocol handlers see them: plain values, no sockets, no Beast.
// The server converts to and from the wire; tests build them directly.

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cache/coalescer.hpp"
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

// How a response's body was obtained: computed here, from the local cache, from the cache
// shared with other instances, or from a concurrent identical request's computation.
enum class CacheOutcome { none, hit, miss, shared, coalesced };

struct Response {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>>
      headers;       // Content-Length is added by the server
  SharedBytes body;  // may be null (no body)
  CacheOutcome cache = CacheOutcome::none;

  void set(std::string name, std::string value);
  std::string_view header(std::string_view name) const;  // case-insensitive
};

struct Deferred;
struct Coalesced;
using Reply = std::variant<Response, Deferred, Coalesced>;

// Work that must not run on an I/O thread (decode, resample, encode, first open of a file).
// The server runs it on the worker pool; it returns the response, or more work (e.g. a render
// to coalesce once the file is open), which the server carries on with on the same worker.
struct Deferred {
  std::function<Reply()> work;
};

// Encoded bytes and where they came from: what one computation hands to every request waiting
// for it.
struct Produced {
  SharedBytes bytes;
  CacheOutcome outcome = CacheOutcome::miss;
};
using Production = Result<Produced>;

// A cache miss that identical concurrent requests share: the first request with `key` runs
// `compute` on a worker; the others wait in `group` without holding a thread. Each request then
// builds its own response (its protocol's headers) from the result with `respond`, which is
// cheap and may run on any thread.
struct Coalesced {
  Coalescer<Production>* group = nullptr;
  std::string key;
  std::function<Production()> compute;
  std::function<Response(const Production&)> respond;
};

// Runs work.compute(), turning an escaping exception into an internal error.
Production produce(const Coalesced& work);

// Runs deferred work in place, for tests, benchmarks and fuzzing (never on a worker of the
// server's pool: it blocks while another thread renders the same key).
Response resolve_now(Reply reply);

Response make_response(unsigned status, std::string content_type, std::string body);
Response error_response(const Error& error);

}  // namespace tessera
