#include "protocols/iiif/handler.hpp"

#include "protocols/identifier.hpp"
#include "protocols/iiif/features.hpp"
#include "protocols/iiif/negotiation.hpp"
#include "protocols/public_url.hpp"

namespace tessera::iiif {

struct Handler::Target {
  const Request* request = nullptr;  // outlives the target (copied when work is deferred)
  ParsedRequest parsed;
  Version version = Version::v3;
  bool negotiated = false;  // unversioned route: the response varies with Accept
  ImageTarget image;
  std::string id;  // public base URI of the image
};

namespace {

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

// On the unversioned route the version, and so the Link headers, depend on Accept.
void add_vary(Response& r, bool negotiated) {
  if (negotiated) r.set("Vary", "Accept");
}

}  // namespace

Handler::Handler(const ImageService& service, Options options)
    : service_(service), options_(std::move(options)) {
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

  auto image = service_.locate(t.parsed.identifier);
  if (!image) return error_response(image.error());
  t.image = std::move(image.value());

  t.id = public_base(request, options_.base_url);
  t.id += options_.route;
  if (!t.negotiated) t.id += t.version == Version::v2 ? "/2" : "/3";
  t.id += '/';
  t.id += percent_encode(t.parsed.identifier);

  // The hot path (an open image) answers from `t` as it is; only deferred work copies it.
  if (auto source = service_.cached(t.image)) return respond(t, source);
  const ImageTarget target = t.image;  // t moves into the work below
  return service_.with_source(
      request, target,
      [this, t = std::move(t)](const Request& req, const ImageTarget&,
                               const std::shared_ptr<const ImageSource>& src) mutable {
        t.request = &req;  // the copy made for deferred work
        return respond(t, src);
      });
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
  Response r = service_.document(*t.request, t.image, "info|" + t.id, content_type, [&] {
    return info_json(source.info(), t.id, t.version, info_options_).dump(2);
  });
  r.set("Link", "<" + profile_uri(t.version) + ">;rel=\"profile\"");
  r.set("Vary", "Accept");
  return r;
}

Reply Handler::image(const Target& t, const std::shared_ptr<const ImageSource>& source) const {
  const ImageInfo& inf = source->info();
  const ImageRequest& req = t.parsed.image;
  auto view =
      resolve(req, inf.width(), inf.height(), resolve_options_, service_.engine().view_defaults());
  if (!view) return error_response(view.error());
  const OutputFormat* format = find_output_format(req.format);
  if (!format) return error_response(make_error(Errc::bad_request, "format: not supported"));

  const std::string link =
      "<" + profile_uri(t.version) + ">;rel=\"profile\", <" + t.id + "/" +
      canonical(req, *view, inf.width(), inf.height(), resolve_options_.limits) +
      ">;rel=\"canonical\"";
  return service_.render(*t.request, t.image, source, *view, *format,
                         service_.engine().encode_options(),
                         [link, negotiated = t.negotiated](Response& r) {
                           r.set("Link", link);
                           add_vary(r, negotiated);
                         });
}

}  // namespace tessera::iiif
