#include "protocols/iiif/handler.hpp"

#include <algorithm>

#include "protocols/identifier.hpp"
#include "protocols/iiif/features.hpp"
#include "protocols/iiif/negotiation.hpp"
#include "protocols/public_url.hpp"
#include "protocols/validators.hpp"

namespace tessera::iiif {

struct Handler::Target {
  const Request* request = nullptr;  // outlives the target (copied when work is deferred)
  ParsedRequest parsed;
  Version version = Version::v3;
  bool negotiated = false;  // unversioned route: the response varies with Accept
  ResolvedFile file;
  std::size_t page = 0;
  std::string id;  // public base URI of the image
};

namespace {

std::string stamp_key(const FileStamp& s, std::size_t page) {
  return std::to_string(s.device) + ":" + std::to_string(s.inode) + ":" + std::to_string(s.size) +
         ":" + std::to_string(s.mtime_ns) + ":" + std::to_string(page);
}

// "3/..." or "2/..." selects a version, unless what follows cannot be a request (then "3" is
// an identifier on the unversioned route).
std::optional<Version> version_prefix(std::string_view& rest) {
  for (Version v : {Version::v2, Version::v3}) {
    const std::string prefix = std::to_string(static_cast<int>(v)) + "/";
    if (!rest.starts_with(prefix)) continue;
    const std::string_view after = rest.substr(prefix.size());
    if (after.empty() || after == "info.json") return std::nullopt;
    rest = after;
    return v;
  }
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() <= 9 &&
         std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

// On the unversioned route the version, and so the Link headers, depend on Accept.
void add_vary(Response& r, bool negotiated) {
  if (negotiated) r.set("Vary", "Accept");
}

}  // namespace

Handler::Handler(Engine& engine, Options options)
    : engine_(engine), options_(std::move(options)), encode_key_(engine.encode_options().key()) {
  info_options_.limits = effective_limits(options_.limits);
  info_options_.profile = options_.profile;
  info_options_.preferred_formats = options_.preferred_formats;
  info_options_.rights = options_.rights;
  info_options_.attribution = options_.attribution;
  info_options_.extra = options_.extra_info;
  resolve_options_.limits = info_options_.limits;
  resolve_options_.allow_upscaling = options_.profile.allow_upscaling;
  for (Version v : {Version::v2, Version::v3})
    profile_uri_[v == Version::v3] = compliance(v, options_.profile).profile_uri;
}

Result<ResolvedFile> Handler::locate(const std::string& identifier, std::size_t& page) const {
  // A file of that exact name wins; otherwise "name<delimiter><page>" selects a page.
  auto file = engine_.resolve(identifier);
  const std::string& delim = options_.page_delimiter;
  if (file || file.error().code != Errc::not_found || delim.empty()) return file;
  const auto at = identifier.rfind(delim);
  if (at == std::string::npos || !all_digits(identifier.substr(at + delim.size()))) return file;
  auto paged = engine_.resolve(std::string_view(identifier).substr(0, at));
  if (!paged) return file;
  page = std::stoul(identifier.substr(at + delim.size()));
  return paged;
}

Reply Handler::handle(const Request& request, std::string_view rest) const {
  Target t;
  t.request = &request;
  if (auto v = version_prefix(rest)) {
    t.version = *v;
  } else {
    t.negotiated = true;
    t.version = version_from_accept(request.header("accept")).value_or(options_.default_version);
  }
  auto parsed = parse(rest, t.version);
  if (!parsed) return error_response(parsed.error());
  t.parsed = std::move(parsed.value());

  auto file = locate(t.parsed.identifier, t.page);
  if (!file) return error_response(file.error());
  t.file = std::move(file.value());

  t.id = public_base(request, options_.base_url);
  t.id += options_.route;
  if (!t.negotiated) t.id += t.version == Version::v2 ? "/2" : "/3";
  t.id += '/';
  t.id += percent_encode(t.parsed.identifier);

  if (auto source = engine_.cached_source(t.file, t.page)) return respond(t, source);
  // First use of this file: open it on a worker, then answer there too.
  return Deferred{[this, t = std::move(t), copy = request]() mutable {
    auto source = engine_.open_source(t.file, t.page);
    if (!source) return error_response(source.error());
    t.request = &copy;
    return resolve_now(respond(t, *source));
  }};
}

Reply Handler::respond(const Target& t, const std::shared_ptr<const ImageSource>& source) const {
  switch (t.parsed.kind) {
    case ParsedRequest::Kind::base: {
      Response r;
      r.status = 303;
      r.set("Location", t.id + "/info.json");
      add_vary(r, t.negotiated);
      return r;
    }
    case ParsedRequest::Kind::info:
      return info(t, *source);
    case ParsedRequest::Kind::image:
      return image(t, source);
  }
  return error_response(make_error(Errc::internal, "unhandled request"));
}

Response Handler::info(const Target& t, const ImageSource& source) const {
  const std::string content_type = info_content_type(t.request->header("accept"), t.version);
  const std::string etag =
      make_etag("info|" + stamp_key(t.file.stamp, t.page) + "|" + t.id + "|" + content_type);
  const std::int64_t mtime = t.file.stamp.mtime_seconds();

  Response r;
  if (is_not_modified(*t.request, etag, mtime)) {
    r = not_modified(etag, mtime, options_.cache_control);
  } else {
    const auto doc = info_json(source.info(), t.id, t.version, info_options_);
    r = make_response(200, content_type, doc.dump(2));
    add_validators(r, etag, mtime, options_.cache_control);
  }
  r.set("Link", "<" + profile_uri(t.version) + ">;rel=\"profile\"");
  r.set("Vary", "Accept");
  return r;
}

Reply Handler::image(const Target& t, const std::shared_ptr<const ImageSource>& source) const {
  const ImageInfo& inf = source->info();
  const ImageRequest& req = t.parsed.image;
  auto view = resolve(req, inf.width(), inf.height(), resolve_options_, engine_.view_defaults());
  if (!view) return error_response(view.error());
  const OutputFormat* format = find_output_format(req.format);
  if (!format) return error_response(make_error(Errc::bad_request, "format: not supported"));

  // Everything that determines the output bytes; "default" and "color" render alike.
  const std::string key = "img|" + stamp_key(t.file.stamp, t.page) + "|" + view->canonical() + "|" +
                          std::string(format->extension) + "|" + encode_key_;
  const std::string etag = make_etag(key);
  const std::int64_t mtime = t.file.stamp.mtime_seconds();
  const std::string link =
      "<" + profile_uri(t.version) + ">;rel=\"profile\", <" + t.id + "/" +
      canonical(req, *view, inf.width(), inf.height(), resolve_options_.limits) +
      ">;rel=\"canonical\"";

  auto finish = [this, format, etag, mtime, link, negotiated = t.negotiated](SharedBytes bytes,
                                                                             CacheOutcome outcome) {
    Response r;
    r.set("Content-Type", std::string(format->mime_type));
    r.body = std::move(bytes);
    r.cache = outcome;
    add_validators(r, etag, mtime, options_.cache_control);
    r.set("Link", link);
    add_vary(r, negotiated);
    return r;
  };

  if (is_not_modified(*t.request, etag, mtime)) {
    Response r = not_modified(etag, mtime, options_.cache_control);
    r.set("Link", link);
    add_vary(r, t.negotiated);
    return r;
  }
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
