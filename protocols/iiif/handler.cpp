#include "protocols/iiif/handler.hpp"

#include "protocols/identifier.hpp"
#include "protocols/iiif/features.hpp"
#include "protocols/iiif/info.hpp"
#include "protocols/validators.hpp"

namespace tessera::iiif {
namespace {

std::string stamp_key(const FileStamp& s) {
  return std::to_string(s.device) + ":" + std::to_string(s.inode) + ":" + std::to_string(s.size) +
         ":" + std::to_string(s.mtime_ns);
}

// Host names as they may appear in an absolute URL; anything else falls back to a safe default
// so a forged Host header cannot inject text into info.json.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool wants_json_ld(const Request& request) {
  return request.header("accept").find("application/ld+json") != std::string_view::npos;
}

}  // namespace

std::string Handler::image_id(const Request& request, const std::string& identifier) const {
  std::string base = options_.base_url;
  if (base.empty()) {
    std::string_view proto = request.header("x-forwarded-proto");
    if (proto != "https") proto = "http";
    std::string_view host = request.header("x-forwarded-host");
    if (host.empty()) host = request.header("host");
    if (!plausible_host(host)) host = "localhost";
    base = std::string(proto) + "://" + std::string(host);
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + options_.route + "/" + percent_encode(identifier);
}

Handler::Handler(Engine& engine, Options options)
    : engine_(engine),
      options_(std::move(options)),
      encode_key_(engine.encode_options().key()),
      profile_link_("<http://iiif.io/api/image/3/" + compliance().level +
                    ".json>;rel=\"profile\"") {}

Reply Handler::handle(const Request& request, std::string_view rest) const {
  auto parsed = parse(rest);
  if (!parsed) return error_response(parsed.error());
  auto file = engine_.resolve(parsed->identifier);
  if (!file) return error_response(file.error());

  if (auto source = engine_.cached_source(*file)) return respond(request, *parsed, *file, source);

  // First use of this file: open it on a worker, then answer there too.
  return Deferred{[this, request, p = std::move(parsed.value()), f = std::move(file.value())] {
    auto source = engine_.open_source(f);
    if (!source) return error_response(source.error());
    return resolve_now(respond(request, p, f, *source));
  }};
}

Reply Handler::respond(const Request& request, const ParsedRequest& parsed,
                       const ResolvedFile& file,
                       const std::shared_ptr<const ImageSource>& source) const {
  switch (parsed.kind) {
    case ParsedRequest::Kind::base: {
      Response r;
      r.status = 303;
      r.set("Location", image_id(request, parsed.identifier) + "/info.json");
      return r;
    }
    case ParsedRequest::Kind::info:
      return info(request, parsed, file, *source);
    case ParsedRequest::Kind::image:
      return image(request, parsed, file, source);
  }
  return error_response(make_error(Errc::internal, "unhandled request"));
}

Response Handler::info(const Request& request, const ParsedRequest& parsed,
                       const ResolvedFile& file, const ImageSource& source) const {
  const std::string id = image_id(request, parsed.identifier);
  const bool json_ld = wants_json_ld(request);
  const std::string content_type =
      json_ld ? "application/ld+json;profile=\"" + std::string(context_v3) + "\""
              : "application/json";
  const std::string etag =
      make_etag("info|" + stamp_key(file.stamp) + "|" + id + "|" + content_type);
  const std::int64_t mtime = file.stamp.mtime_seconds();

  Response r;
  if (is_not_modified(request, etag, mtime)) {
    r = not_modified(etag, mtime, options_.cache_control);
  } else {
    r = make_response(200, content_type, info_json(source.info(), id, options_.limits).dump(2));
    add_validators(r, etag, mtime, options_.cache_control);
  }
  r.set("Vary", "Accept");  // the Content-Type depends on Accept
  return r;
}

Reply Handler::image(const Request& request, const ParsedRequest& parsed, const ResolvedFile& file,
                     const std::shared_ptr<const ImageSource>& source) const {
  const ImageInfo& inf = source->info();
  auto view =
      resolve(parsed.image, inf.width(), inf.height(), options_.limits, engine_.view_defaults());
  if (!view) return error_response(view.error());
  const OutputFormat* format = find_output_format(parsed.image.format);
  if (!format) return error_response(make_error(Errc::bad_request, "unknown format"));

  // Everything that determines the output bytes; "default" and "color" render alike.
  const std::string key = "img|" + stamp_key(file.stamp) + "|" + view->canonical() + "|" +
                          std::string(format->extension) + "|" + encode_key_;
  const std::string etag = make_etag(key);
  const std::int64_t mtime = file.stamp.mtime_seconds();

  auto finish = [this, format, etag, mtime](SharedBytes bytes, CacheOutcome outcome) {
    Response r;
    r.set("Content-Type", std::string(format->mime_type));
    r.body = std::move(bytes);
    r.cache = outcome;
    add_validators(r, etag, mtime, options_.cache_control);
    r.set("Link", profile_link_);
    return r;
  };

  if (is_not_modified(request, etag, mtime))
    return not_modified(etag, mtime, options_.cache_control);
  if (auto cached = engine_.responses().get(key)) return finish(*cached, CacheOutcome::hit);

  return Deferred{[this, source, view = std::move(view.value()), format, key, finish] {
    auto bytes = engine_.render_encoded(*source, view, *format, engine_.encode_options());
    if (!bytes) return error_response(bytes.error());
    auto shared = std::make_shared<const std::string>(std::move(bytes.value()));
    engine_.responses().put(key, shared, shared->size());
    return finish(std::move(shared), CacheOutcome::miss);
  }};
}

}  // namespace tessera::iiif
