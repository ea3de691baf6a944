#include "server/router.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

namespace tessera {
namespace {

constexpr std::string_view allowed_methods = "GET, HEAD, OPTIONS";
constexpr std::string_view iiif_prefix = "/iiif/";
constexpr std::string_view zoomify_prefix = "/zoomify/";
constexpr std::string_view deepzoom_prefix = "/deepzoom/";

// The paths iipsrv is reached by: its FastCGI script as deployments name it, and a short one.
bool is_iip_path(std::string_view path) {
  return path == "/fcgi-bin/iipsrv.fcgi" || path == "/iip";
}

// iipsrv's forms of the other protocols on its own path: "?Zoomify=...", "?DeepZoom=...",
// "?IIIF=..." (the name in any case, the value the rest of the query).
std::optional<std::pair<std::string_view, std::string_view>> protocol_query(
    std::string_view query) {
  for (std::string_view name : {"Zoomify", "DeepZoom", "IIIF"}) {
    if (query.size() <= name.size() || query[name.size()] != '=') continue;
    if (!std::ranges::equal(query.substr(0, name.size()), name, [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        }))
      continue;
    std::string_view value = query.substr(name.size() + 1);
    // iipsrv takes "IIIF=/img.tif/..." and "IIIF=img.tif/..." alike (ids are relative to its
    // prefix either way), and deployments use both.
    if (value.starts_with('/')) value.remove_prefix(1);
    return std::pair{name, value};
  }
  return std::nullopt;
}

iiif::Options iiif_options(const Config& c) {
  iiif::Options o;
  o.base_url = c.base_url;
  o.default_version = c.iiif_version == 2 ? iiif::Version::v2 : iiif::Version::v3;
  o.limits = {c.effective_max_width(), c.effective_max_height(), c.effective_max_area()};
  o.profile.allow_upscaling = c.allow_upscaling;
  o.preferred_formats = c.preferred_formats;
  o.rights = c.rights;
  o.attribution = c.attribution;
  if (!c.iiif_extra_info.empty())
    o.extra_info = nlohmann::ordered_json::parse(c.iiif_extra_info);  // validated by the config
  return o;
}

iip::Options iip_options(const Config& c) {
  iip::Options o;
  o.filename_pattern = c.filename_pattern;
  o.max_cvt = c.max_cvt;
  o.allow_upscaling = c.allow_upscaling;
  return o;
}

ServiceOptions service_options(const Config& c) {
  ServiceOptions o;
  o.page_delimiter = c.iiif_delimiter;
  o.cache_control = c.cache_control;
  return o;
}

}  // namespace

Router::Router(Engine& engine, const Config& config, Metrics& metrics)
    : engine_(engine),
      config_(config),
      metrics_(metrics),
      service_(engine, service_options(config)),
      iiif_(service_, iiif_options(config)),
      iip_(service_, iip_options(config)),
      zoomify_(service_),
      deepzoom_(service_, deepzoom::Options{config.deepzoom_overlap}) {}

std::string_view Router::protocol_of(std::string_view path) {
  if (path.starts_with(iiif_prefix)) return "iiif";
  if (is_iip_path(path)) return "iip";
  if (path.starts_with(zoomify_prefix)) return "zoomify";
  if (path.starts_with(deepzoom_prefix)) return "deepzoom";
  if (path == "/health") return "health";
  if (path == "/metrics") return "metrics";
  return "other";
}

Reply Router::route(const Request& request) const {
  if (request.method == Method::options) return preflight(request);
  if (request.method != Method::get && request.method != Method::head) {
    Response r = error_response(make_error(Errc::method_not_allowed, "method not allowed"));
    r.set("Allow", std::string(allowed_methods));
    return r;
  }

  const std::string_view path = request.path();
  if (path.empty() || path.front() != '/')
    return error_response(make_error(Errc::bad_request, "bad request target"));
  if (path.starts_with(iiif_prefix)) return iiif_.handle(request, path.substr(iiif_prefix.size()));
  if (path.starts_with(zoomify_prefix))
    return zoomify_.handle(request, path.substr(zoomify_prefix.size()));
  if (path.starts_with(deepzoom_prefix))
    return deepzoom_.handle(request, path.substr(deepzoom_prefix.size()));
  if (is_iip_path(path)) {
    const std::string_view query = request.query();
    if (auto other = protocol_query(query)) {
      const auto [name, value] = *other;
      if (name == "Zoomify") return zoomify_.handle(request, value);
      if (name == "DeepZoom") return deepzoom_.handle(request, value);
      return iiif_.handle(request, value);
    }
    return iip_.handle(request, query);
  }
  if (path == "/health") return health();
  if (path == "/metrics") {
    Response r = make_response(200, "text/plain; version=0.0.4; charset=utf-8",
                               metrics_.render(engine_, service_.coalesced_requests()));
    r.set("Cache-Control", "no-store");
    return r;
  }
  return error_response(make_error(Errc::not_found, "not found"));
}

Response Router::preflight(const Request& request) const {
  Response r;
  r.status = 204;
  r.set("Allow", std::string(allowed_methods));
  if (!config_.cors.empty()) {
    r.set("Access-Control-Allow-Methods", std::string(allowed_methods));
    if (auto asked = request.header("access-control-request-headers"); !asked.empty())
      r.set("Access-Control-Allow-Headers", std::string(asked));
    r.set("Access-Control-Max-Age", "86400");
  }
  return r;
}

Response Router::health() const {
  const auto uptime =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  const nlohmann::json body = {{"status", "ok"},
                               {"version", TESSERA_VERSION},
                               {"uptime_seconds", uptime.count()},
                               {"open_connections", metrics_.open_connections.load()},
                               {"worker_queue_depth", metrics_.queue_depth.load()}};
  Response r = make_response(200, "application/json", body.dump());
  r.set("Cache-Control", "no-store");
  return r;
}

void Router::finalize(Response& response) const {
  if (!config_.cors.empty()) response.set("Access-Control-Allow-Origin", config_.cors);
}

}  // namespace tessera
