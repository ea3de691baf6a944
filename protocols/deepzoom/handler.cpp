#include "protocols/deepzoom/handler.hpp"

namespace tessera::deepzoom {

Handler::Handler(const ImageService& service, Options options)
    : service_(service), options_(options) {}

Reply Handler::handle(const Request&, std::string_view) const {
  return error_response(make_error(Errc::not_implemented, "DeepZoom: in progress"));
}

}  // namespace tessera::deepzoom
