#include "protocols/http_types.hpp"

#include <strings.h>

namespace tessera {

std::string_view Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

std::string_view Request::path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  const std::string_view t = target;
  const auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

void Response::set(std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (n.size() == name.size() && ::strncasecmp(n.c_str(), name.c_str(), n.size()) == 0) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

std::string_view Response::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (n.size() == name.size() && ::strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  return {};
}

Response resolve_now(Reply reply) {
  if (auto* deferred = std::get_if<Deferred>(&reply)) return deferred->work();
  return std::get<Response>(std::move(reply));
}

Response make_response(unsigned status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.set("Content-Type", std::move(content_type));
  r.body = std::make_shared<const std::string>(std::move(body));
  return r;
}

Response error_response(const Error& error) {
  Response r = make_response(error.status(), "text/plain; charset=utf-8", error.message + "\n");
  r.set("Cache-Control", "no-store");
  return r;
}

}  // namespace tessera
