#pragma once
// The one error type of Tessera. Every failure a request can meet is an Errc, and each
// Errc maps to exactly one HTTP status. Messages are shown to clients, so they must never
// contain filesystem paths.

#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace tessera {

enum class Errc {
  bad_request = 1,     // 400: malformed URL or parameters
  forbidden,           // 403
  not_found,           // 404: unknown image, or a path outside the image root
  method_not_allowed,  // 405
  payload_too_large,   // 413: request bodies, oversized output
  header_too_large,    // 431
  internal,            // 500
  corrupt_image,       // 500: the file exists but cannot be decoded
  not_implemented,     // 501: a valid request for a feature Tessera does not have
  unavailable,         // 503: overloaded or shutting down
};

const std::error_category& tessera_category() noexcept;
std::error_code make_error_code(Errc e) noexcept;
unsigned http_status(Errc e) noexcept;

struct Error {
  Errc code = Errc::internal;
  std::string message;  // short, plain, safe to show to a client

  unsigned status() const noexcept { return http_status(code); }
};

inline Error make_error(Errc code, std::string message) {
  return Error{code, std::move(message)};
}

// The one message for a file that exists but cannot be decoded; `what` says which part failed.
inline Error image_unreadable(const std::string& what) {
  return Error{Errc::corrupt_image, "image could not be read: " + what};
}

// A value or an Error (std::expected arrives only in C++23).
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace tessera

template <>
struct std::is_error_code_enum<tessera::Errc> : std::true_type {};
