#pragma once
// IIIF Image API 3.0 endpoint: base URI redirect, info.json and image requests. Cheap steps
// (parsing, metadata of open images, conditional requests, cached bytes) run inline; opening a
// file and rendering are returned as Deferred work for the worker pool.

#include <memory>
#include <string>

#include "imaging/engine.hpp"
#include "protocols/http_types.hpp"
#include "protocols/iiif/request.hpp"

namespace tessera::iiif {

struct Options {
  std::string base_url;  // public URL prefix, e.g. "https://img.example.org"; empty: from Host
  std::string route = "/iiif";
  Limits limits;
  std::string cache_control = "max-age=86400";
};

class Handler {
 public:
  Handler(Engine& engine, Options options);

  // `rest` is the request path after "<route>/".
  Reply handle(const Request& request, std::string_view rest) const;

 private:
  Reply respond(const Request& request, const ParsedRequest& parsed, const ResolvedFile& file,
                const std::shared_ptr<const ImageSource>& source) const;
  Response info(const Request& request, const ParsedRequest& parsed, const ResolvedFile& file,
                const ImageSource& source) const;
  Reply image(const Request& request, const ParsedRequest& parsed, const ResolvedFile& file,
              const std::shared_ptr<const ImageSource>& source) const;
  std::string image_id(const Request& request, const std::string& identifier) const;

  Engine& engine_;
  Options options_;
  std::string encode_key_;    // the server's encoder settings, part of every image cache key
  std::string profile_link_;  // Link header of image responses: the compliance level
};

}  // namespace tessera::iiif
