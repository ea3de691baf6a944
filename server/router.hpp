#pragma once
// The server's request handler: from a Request to a Reply, touching no socket. It checks the
// method, routes by path to a protocol adapter or an operational endpoint, and adds the headers
// every response carries (CORS).

#include <chrono>
#include <string_view>

#include "imaging/engine.hpp"
#include "protocols/deepzoom/handler.hpp"
#include "protocols/http_types.hpp"
#include "protocols/iiif/handler.hpp"
#include "protocols/iip/handler.hpp"
#include "protocols/zoomify/handler.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"

namespace tessera {

class Router {
 public:
  Router(Engine& engine, const Config& config, Metrics& metrics);

  Reply route(const Request& request) const;

  // Headers for every response, whatever produced it (handlers, parse errors, 503s).
  void finalize(Response& response) const;

  // The metrics label of a request path: "iiif", "iip", "zoomify", "deepzoom", "health",
  // "metrics" or "other".
  static std::string_view protocol_of(std::string_view path);

 private:
  Response preflight(const Request& request) const;
  Response health() const;

  Engine& engine_;
  const Config& config_;
  Metrics& metrics_;
  ImageService service_;  // shared by every image protocol
  iiif::Handler iiif_;
  iip::Handler iip_;
  zoomify::Handler zoomify_;
  deepzoom::Handler deepzoom_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace tessera
