#include "protocols/public_url.hpp"

namespace tessera {
namespace {

// The first of a comma-separated list of values, trimmed (proxies append theirs).
std::string_view first_value(std::string_view v) {
  v = v.substr(0, v.find(','));
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An absolute path of RFC 3986 path characters, no "..", no quotes or angle brackets.
bool plausible_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.front() != '/' || prefix.size() > 1024) return false;
  if (prefix.find("..") != std::string_view::npos || prefix.find("//") != std::string_view::npos)
    return false;
  for (char c : prefix) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("/-._~%!$&'()*+,;=:@").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string public_base(const Request& request, std::string_view configured_base) {
  std::string base;
  if (!configured_base.empty()) {
    base = configured_base;
  } else {
    std::string_view proto = first_value(request.header("x-forwarded-proto"));
    if (proto != "https") proto = "http";
    std::string_view host = first_value(request.header("x-forwarded-host"));
    if (!plausible_host(host)) host = request.header("host");
    if (!plausible_host(host)) host = "localhost";
    base = std::string(proto) + "://" + std::string(host);
    const std::string_view prefix = first_value(request.header("x-forwarded-prefix"));
    if (plausible_prefix(prefix)) base += prefix;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

}  // namespace tessera
