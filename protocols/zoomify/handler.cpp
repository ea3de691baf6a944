#include "protocols/zoomify/handler.hpp"

namespace tessera::zoomify {

Handler::Handler(const ImageService& service) : service_(service) {}

Reply Handler::handle(const Request&, std::string_view) const {
  return error_response(make_error(Errc::not_implemented, "Zoomify: in progress"));
}

}  // namespace tessera::zoomify
