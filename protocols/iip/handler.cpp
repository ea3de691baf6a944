#include "protocols/iip/handler.hpp"

namespace tessera::iip {

struct Handler::State {};

Handler::Handler(const ImageService& service, Options options)
    : service_(service), options_(std::move(options)), state_(std::make_unique<State>()) {}

Handler::~Handler() = default;

Reply Handler::handle(const Request&, std::string_view) const {
  return error_response(make_error(Errc::not_implemented, "IIP: in progress"));
}

}  // namespace tessera::iip
