#include "imaging/error.hpp"

namespace tessera {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tessera"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::bad_request:
        return "bad request";
      case Errc::forbidden:
        return "forbidden";
      case Errc::not_found:
        return "not found";
      case Errc::method_not_allowed:
        return "method not allowed";
      case Errc::payload_too_large:
        return "payload too large";
      case Errc::header_too_large:
        return "request header too large";
      case Errc::internal:
        return "internal error";
      case Errc::corrupt_image:
        return "image could not be read";
      case Errc::not_implemented:
        return "not implemented";
      case Errc::unavailable:
        return "service unavailable";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& tessera_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(Errc e) noexcept {
  return {static_cast<int>(e), tessera_category()};
}

unsigned http_status(Errc e) noexcept {
  switch (e) {
    case Errc::bad_request:
      return 400;
    case Errc::forbidden:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::method_not_allowed:
      return 405;
    case Errc::payload_too_large:
      return 413;
    case Errc::header_too_large:
      return 431;
    case Errc::internal:
      return 500;
    case Errc::corrupt_image:
      return 500;
    case Errc::not_implemented:
      return 501;
    case Errc::unavailable:
      return 503;
  }
  return 500;
}

}  // namespace tessera
