#include "protocols/image_service.hpp"

#include "protocols/identifier.hpp"
#include "protocols/validators.hpp"

namespace tessera {
namespace {

Response image_response(const OutputFormat& format, SharedBytes bytes, CacheOutcome outcome,
                        const std::string& etag, std::int64_t mtime,
                        const std::string& cache_control, const ImageService::Decorate& decorate) {
  Response r;
  r.set("Content-Type", std::string(format.mime_type));
  r.body = std::move(bytes);
  r.cache = outcome;
  add_validators(r, etag, mtime, cache_control);
  if (decorate) decorate(r);
  return r;
}

}  // namespace

std::string ImageTarget::key() const {
  const FileStamp& s = file.stamp;
  return std::to_string(s.device) + ":" + std::to_string(s.inode) + ":" + std::to_string(s.size) +
         ":" + std::to_string(s.mtime_ns) + ":" + std::to_string(page);
}

std::string ImageService::shared_key_prefix(const ImageTarget& target) const {
  // Other machines see other devices and inodes: name the file by its place under the root.
  const FileStamp& s = target.file.stamp;
  return "img|" + target.file.path.lexically_relative(engine_.root().path()).generic_string() +
         ":" + std::to_string(s.size) + ":" + std::to_string(s.mtime_ns) + ":" +
         std::to_string(target.page);
}

ImageService::ImageService(Engine& engine, ServiceOptions options)
    : engine_(engine), options_(std::move(options)) {}

Result<ImageTarget> ImageService::locate(std::string_view identifier) const {
  // A file of that exact name wins; otherwise "name<delimiter><page>" selects a page.
  auto file = engine_.resolve(identifier);
  if (file) return ImageTarget{std::move(file.value()), 0};
  const std::string& delim = options_.page_delimiter;
  if (file.error().code != Errc::not_found || delim.empty()) return file.error();
  const auto at = identifier.rfind(delim);
  if (at == std::string_view::npos) return file.error();
  const auto page = parse_digits(identifier.substr(at + delim.size()));
  if (!page) return file.error();
  auto paged = engine_.resolve(identifier.substr(0, at));
  if (!paged) return file.error();
  return ImageTarget{std::move(paged.value()), static_cast<std::size_t>(*page)};
}

Reply ImageService::render(const Request& request, const ImageTarget& target,
                           std::shared_ptr<const ImageSource> source, const View& view,
                           const OutputFormat& format, const EncodeOptions& encode,
                           Decorate decorate, ErrorForm error_form) const {
  // Everything that determines the output bytes: which file version, then what of it.
  std::string suffix = view.canonical();
  suffix.insert(0, 1, '|');
  suffix.append("|").append(format.extension).append("|").append(encode.key());
  // Pass-through changes the bytes (not the pixels) of some tiles: the ETag must differ.
  if (engine_.passes_through()) suffix.append("|pt");
  std::string key = "img|" + target.key() + suffix;
  const std::string etag = make_etag(key);
  const std::int64_t mtime = target.file.stamp.mtime_seconds();

  if (is_not_modified(request, etag, mtime)) {
    Response r = not_modified(etag, mtime, options_.cache_control);
    if (decorate) decorate(r);
    return r;
  }
  if (auto cached = engine_.responses().get(key))
    return image_response(format, *cached, CacheOutcome::hit, etag, mtime, options_.cache_control,
                          decorate);

  Coalesced work;
  work.group = &in_flight_;
  work.key = key;
  work.compute = [this, source = std::move(source), view, &format, encode, key = std::move(key),
                  shared_key = shared_key_prefix(target) + suffix]() -> Production {
    SecondLevelCache* shared = engine_.shared_cache();
    if (shared) {
      if (auto found = shared->get(shared_key)) {
        auto bytes = std::make_shared<const std::string>(std::move(*found));
        engine_.responses().put(key, bytes, bytes->size());
        return Produced{std::move(bytes), CacheOutcome::shared};
      }
    }
    auto rendered = engine_.render_encoded(*source, view, format, encode);
    if (!rendered) return rendered.error();
    auto bytes = std::make_shared<const std::string>(std::move(rendered.value()));
    engine_.responses().put(key, bytes, bytes->size());
    if (shared) shared->put(shared_key, *bytes);
    return Produced{std::move(bytes), CacheOutcome::miss};
  };
  work.respond = [this, &format, etag, mtime, decorate = std::move(decorate),
                  error_form](const Production& produced) {
    if (!produced) return error_form(produced.error());
    return image_response(format, produced->bytes, produced->outcome, etag, mtime,
                          options_.cache_control, decorate);
  };
  return work;
}

Response ImageService::document(const Request& request, const ImageTarget& target,
                                std::string_view kind, std::string content_type,
                                const std::function<std::string()>& body) const {
  const std::string etag = make_etag(std::string(kind) + "|" + target.key() + "|" + content_type);
  const std::int64_t mtime = target.file.stamp.mtime_seconds();
  if (is_not_modified(request, etag, mtime))
    return not_modified(etag, mtime, options_.cache_control);
  Response r = make_response(200, std::move(content_type), body());
  add_validators(r, etag, mtime, options_.cache_control);
  return r;
}

}  // namespace tessera
