#include "protocols/zoomify/handler.hpp"

#include "protocols/zoomify/request.hpp"

namespace tessera::zoomify {

Handler::Handler(const ImageService& service) : service_(service) {}

Reply Handler::handle(const Request& request, std::string_view path) const {
  auto parsed = parse(path);
  if (!parsed) return error_response(parsed.error());
  return service_.with_image(
      request, std::move(parsed.value()),
      [this](const Request& req, const ParsedRequest& p, const ImageTarget& target,
             const std::shared_ptr<const ImageSource>& source) -> Reply {
        const ImageInfo& info = source->info();
        if (info.width() < 1 || info.height() < 1) return error_response(image_unreadable("size"));
        const Grid grid(info.width(), info.height());
        if (p.kind == ParsedRequest::Kind::properties)
          return service_.document(req, target, "zoomify-properties", "application/xml",
                                   [&] { return grid.properties(); });

        // A static Zoomify tree has each tile in one TileGroup only: anything else is absent.
        if (!grid.contains(p.z, p.x, p.y) || grid.group(p.z, p.x, p.y) != p.group)
          return error_response(make_error(Errc::not_found, "Zoomify: no such tile"));
        const TileView t = grid.tile(p.z, p.x, p.y);
        const OutputFormat* jpeg = find_output_format("jpg");
        if (!jpeg) return error_response(make_error(Errc::internal, "JPEG output unavailable"));
        return service_.render(req, target, source, service_.view(t.region, t.width, t.height),
                               *jpeg, service_.engine().encode_options());
      });
}

}  // namespace tessera::zoomify
