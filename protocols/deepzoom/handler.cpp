#include "protocols/deepzoom/handler.hpp"

#include "protocols/deepzoom/request.hpp"

namespace tessera::deepzoom {

Handler::Handler(const ImageService& service, Options options)
    : service_(service), options_(options) {}

Reply Handler::handle(const Request& request, std::string_view path) const {
  auto parsed = parse(path);
  if (!parsed) return error_response(parsed.error());
  return service_.with_image(
      request, std::move(parsed.value()),
      [this](const Request& req, const ParsedRequest& p, const ImageTarget& target,
             const std::shared_ptr<const ImageSource>& source) -> Reply {
        const ImageInfo& info = source->info();
        if (info.width() < 1 || info.height() < 1) return error_response(image_unreadable("size"));
        const std::int64_t tile_size = viewer_tile_size(info.levels.front());
        const Pyramid pyramid(info.width(), info.height(), tile_size, options_.overlap);
        if (p.kind == ParsedRequest::Kind::descriptor) {
          // The body depends on the overlap setting as well as on the file.
          const std::string kind = "dzi|" + std::to_string(options_.overlap);
          return service_.document(req, target, kind, "application/xml",
                                   [&] { return pyramid.descriptor(); });
        }
        if (!pyramid.contains(p.level, p.column, p.row))
          return error_response(make_error(Errc::not_found, "DeepZoom: no such tile"));
        const TileView t = pyramid.tile(p.level, p.column, p.row);
        const OutputFormat* format = find_output_format(p.format);
        if (!format) return error_response(make_error(Errc::bad_request, "format: not supported"));
        return service_.render(req, target, source, service_.view(t.region, t.width, t.height),
                               *format, service_.engine().encode_options());
      });
}

}  // namespace tessera::deepzoom
