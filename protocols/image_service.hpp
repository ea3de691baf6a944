#pragma once
// What every image protocol (IIIF, IIP, Zoomify, DeepZoom) does the same way: find the file an
// identifier names inside the image root, get its open source (inline when cached, on a worker
// when the file must be opened), and answer a View as encoded bytes through the response cache
// with validators and 304s. Protocol handlers parse, decide the View and add their own headers.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "imaging/engine.hpp"
#include "protocols/http_types.hpp"

namespace tessera {

struct ServiceOptions {
  // Selects an image of a multi-page file: "img.tif;3" is image 3 (from 0) of img.tif when no
  // file is named "img.tif;3". Empty: off. (iipsrv's IIIF_DELIMITER)
  std::string page_delimiter;
  std::string cache_control = "max-age=86400";
};

// One image: a file version and the image (page) of it a request shows.
struct ImageTarget {
  ResolvedFile file;
  std::size_t page = 0;

  // Identifies this image's current bytes, for cache keys and ETags.
  std::string key() const;
};

class ImageService {
 public:
  ImageService(Engine& engine, ServiceOptions options);

  Engine& engine() const noexcept { return engine_; }
  const ServiceOptions& options() const noexcept { return options_; }
  // Requests that waited for an identical concurrent render instead of rendering.
  std::uint64_t coalesced_requests() const noexcept { return in_flight_.coalesced(); }

  // A plain crop-and-scale with the server's view settings (interpolation, background...).
  View view(const Rect& region, std::int64_t width, std::int64_t height) const {
    View v = engine_.view_defaults();
    v.region = region;
    v.width = width;
    v.height = height;
    return v;
  }

  // The file an identifier names (confined to the root) and the page it selects.
  Result<ImageTarget> locate(std::string_view identifier) const;

  // The target's image if it is already open (cheap), else nullptr.
  std::shared_ptr<const ImageSource> cached(const ImageTarget& target) const {
    return engine_.cached_source(target.file, target.page);
  }

  // Calls use(request, target, source) with the target's open image: at once when it is
  // already open, else as Deferred work that opens it first (the request is copied for that
  // work). Errors opening the file become error responses. A template, and the target is
  // copied only for deferred work, so the cached path costs no allocation.
  template <class Use>
  Reply with_source(const Request& request, const ImageTarget& target, Use&& use) const {
    if (auto source = cached(target)) return use(request, target, source);
    return Deferred{
        [this, target, use = std::forward<Use>(use), copy = request]() mutable -> Reply {
          auto source = engine_.open_source(target.file, target.page);
          if (!source) return error_response(source.error());
          return use(copy, target, *source);
        }};
  }

  // A parsed request's image (its `identifier` located, then opened): use(request, parsed,
  // target, source), or the error response. Takes the parsed request so callers need not copy
  // the identifier out before moving the request into the callback.
  template <class Parsed, class Use>
  Reply with_image(const Request& request, Parsed parsed, Use use) const {
    auto target = locate(parsed.identifier);
    if (!target) return error_response(target.error());
    return with_source(request, target.value(),
                       [p = std::move(parsed), use = std::move(use)](
                           const Request& req, const ImageTarget& t,
                           const std::shared_ptr<const ImageSource>& source) mutable {
                         return use(req, p, t, source);
                       });
  }

  // Adds protocol headers to a response (200 or 304) before it is sent.
  using Decorate = std::function<void(Response&)>;
  // A protocol's form of an error response (IIP has its own).
  using ErrorForm = Response (*)(const Error&);
  // `view` of `source` encoded as `format`: 304 when the client's copy is current, the cached
  // bytes when present (inline), else a Coalesced render that fills the cache (and the shared
  // cache, when configured). Two requests with the same target, view, format and encoder
  // settings share one cache entry, and one render when concurrent, whatever protocol they came
  // through.
  Reply render(const Request& request, const ImageTarget& target,
               std::shared_ptr<const ImageSource> source, const View& view,
               const OutputFormat& format, const EncodeOptions& encode, Decorate decorate = {},
               ErrorForm error_form = &error_response) const;

  // A small generated document (metadata, XML, JSON) about the target: `kind` names what it is
  // (with everything else it depends on), so the ETag changes when the file or the kind does.
  Response document(const Request& request, const ImageTarget& target, std::string_view kind,
                    std::string content_type, const std::function<std::string()>& body) const;

 private:
  // The key prefix for the cache shared with other instances (no device or inode).
  std::string shared_key_prefix(const ImageTarget& target) const;

  Engine& engine_;
  ServiceOptions options_;
  mutable Coalescer<Production> in_flight_;  // renders running, by response cache key
};

}  // namespace tessera
