#pragma once
// IIIF Image API endpoint (3.0 and 2.1): base URI redirect, info.json and image requests.
// Routes: <route>/3/{id}/..., <route>/2/{id}/..., and <route>/{id}/... in the default version
// unless the Accept header's JSON-LD profile names the other one. Cheap steps (parsing,
// metadata of open images, conditional requests, cached bytes) run inline; opening a file and
// rendering are returned as Deferred work for the worker pool.

#include <memory>
#include <string>
#include <vector>

#include "imaging/engine.hpp"
#include "protocols/http_types.hpp"
#include "protocols/iiif/info.hpp"
#include "protocols/iiif/request.hpp"
#include "protocols/image_service.hpp"

namespace tessera::iiif {

struct Options {
  std::string base_url;  // public URL prefix, e.g. "https://img.example.org"; empty: from headers
  std::string route = "/iiif";
  Version default_version = Version::v3;  // iipsrv's IIIF_VERSION
  Limits limits;  // as configured; the enforced ones add the server's absolute cap
  ProfileOptions profile;
  std::vector<std::string> preferred_formats;
  std::string rights;
  std::string attribution;
  nlohmann::ordered_json extra_info = nlohmann::ordered_json::object();
};

class Handler {
 public:
  Handler(const ImageService& service, Options options);

  // `rest` is the request path after "<route>/".
  Reply handle(const Request& request, std::string_view rest) const;

 private:
  struct Target;  // one request, parsed and located
  Reply respond(const Target& target, const std::shared_ptr<const ImageSource>& source) const;
  Response info(const Target& target, const ImageSource& source) const;
  Reply image(const Target& target, const std::shared_ptr<const ImageSource>& source) const;
  const std::string& profile_uri(Version v) const { return profile_uri_[v == Version::v3]; }

  const ImageService& service_;
  Options options_;
  InfoOptions info_options_;
  ResolveOptions resolve_options_;
  std::string profile_uri_[2];  // compliance level document of 2.1 and 3.0
};

}  // namespace tessera::iiif
