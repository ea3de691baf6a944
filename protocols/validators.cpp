#include "protocols/validators.hpp"

#include <ctime>

namespace tessera {
namespace {

std::uint64_t fnv1a64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string format_http_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  const std::string s(trim(text));
  static constexpr const char* formats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  for (const char* format : formats) {
    std::tm tm{};
    const char* end = ::strptime(s.c_str(), format, &tm);
    if (end && *end == '\0') return static_cast<std::int64_t>(::timegm(&tm));
  }
  return std::nullopt;
}

std::string make_etag(std::string_view key) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(fnv1a64(key)));
  return buf;
}

bool etag_matches(std::string_view list, std::string_view etag) {
  const auto opaque = [](std::string_view tag) {
    tag = trim(tag);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    return tag;
  };
  if (trim(list) == "*") return true;
  const std::string_view mine = opaque(etag);
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (opaque(list.substr(0, comma)) == mine) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool is_not_modified(const Request& request, std::string_view etag, std::int64_t mtime_seconds) {
  if (const auto inm = request.header("if-none-match"); !inm.empty())
    return etag_matches(inm, etag);
  if (const auto ims = request.header("if-modified-since"); !ims.empty()) {
    const auto since = parse_http_date(ims);
    return since && mtime_seconds <= *since;
  }
  return false;
}

void add_validators(Response& response, const std::string& etag, std::int64_t mtime_seconds,
                    const std::string& cache_control) {
  response.set("ETag", etag);
  response.set("Last-Modified", format_http_date(mtime_seconds));
  if (!cache_control.empty()) response.set("Cache-Control", cache_control);
}

Response not_modified(const std::string& etag, std::int64_t mtime_seconds,
                      const std::string& cache_control) {
  Response r;
  r.status = 304;
  add_validators(r, etag, mtime_seconds, cache_control);
  return r;
}

}  // namespace tessera
