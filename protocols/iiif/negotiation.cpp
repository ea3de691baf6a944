#include "protocols/iiif/negotiation.hpp"

#include <charconv>
#include <vector>

namespace tessera::iiif {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

struct MediaRange {
  std::string_view type;     // "application/ld+json", "application/*", "*/*"
  std::string_view profile;  // unquoted, may list several URIs separated by spaces
  double q = 1;
};

std::vector<MediaRange> parse_accept(std::string_view accept) {
  std::vector<MediaRange> out;
  while (!accept.empty()) {
    // Commas inside a quoted profile value are not separators.
    std::size_t end = 0;
    for (bool quoted = false; end < accept.size(); ++end) {
      if (accept[end] == '"') quoted = !quoted;
      if (accept[end] == ',' && !quoted) break;
    }
    std::string_view item = accept.substr(0, end);
    accept.remove_prefix(std::min(end + 1, accept.size()));

    MediaRange range;
    const auto semi = item.find(';');
    range.type = trim(item.substr(0, semi));
    std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
    while (!params.empty()) {
      const auto next = params.find(';');
      const std::string_view param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? "" : params.substr(next + 1);
      const auto eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      const std::string_view name = trim(param.substr(0, eq));
      std::string_view value = trim(param.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      if (iequals(name, "q")) {
        double q = 1;
        const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
        range.q =
            (ec == std::errc{} && p == value.data() + value.size() && q >= 0 && q <= 1) ? q : 0;
      } else if (iequals(name, "profile")) {
        range.profile = value;
      }
    }
    if (!range.type.empty()) out.push_back(range);
  }
  return out;
}

bool names(std::string_view profile_list, std::string_view uri) {
  while (!profile_list.empty()) {
    const auto sp = profile_list.find(' ');
    if (profile_list.substr(0, sp) == uri) return true;
    if (sp == std::string_view::npos) break;
    profile_list.remove_prefix(sp + 1);
  }
  return false;
}

// The q-value `accept` gives `type` (RFC 7231 5.3.2: the most specific matching range wins);
// -1 when no range matches. A JSON-LD range with a profile matches only that profile.
double quality_of(const std::vector<MediaRange>& ranges, std::string_view type,
                  std::string_view profile, bool wildcards) {
  int best = -1;
  double q = -1;
  const std::string_view family = type.substr(0, type.find('/'));
  for (const MediaRange& r : ranges) {
    int specificity = -1;
    if (iequals(r.type, type)) {
      if (!r.profile.empty() && !names(r.profile, profile)) continue;
      specificity = r.profile.empty() ? 2 : 3;
    } else if (wildcards && r.type.size() == family.size() + 2 && r.type.ends_with("/*") &&
               iequals(r.type.substr(0, family.size()), family)) {
      specificity = 1;
    } else if (wildcards && r.type == "*/*") {
      specificity = 0;
    }
    if (specificity > best) best = specificity, q = r.q;
  }
  return q;
}

}  // namespace

std::optional<Version> version_from_accept(std::string_view accept) {
  // Most requests (image tiles) carry no profile at all; skip parsing them.
  if (accept.find("iiif.io/api/image/") == std::string_view::npos) return std::nullopt;
  std::optional<Version> best;
  double best_q = 0;
  for (const MediaRange& r : parse_accept(accept)) {
    if (r.q <= best_q || !iequals(r.type, "application/ld+json")) continue;  // ties: first wins
    for (Version v : {Version::v2, Version::v3})
      if (names(r.profile, context_uri(v))) best = v, best_q = r.q;
  }
  return best;
}

std::string info_content_type(std::string_view accept, Version version) {
  const std::string ld =
      "application/ld+json;profile=\"" + std::string(context_uri(version)) + "\"";
  const std::string plain = "application/json";
  if (trim(accept).empty()) return version == Version::v3 ? ld : plain;
  const auto ranges = parse_accept(accept);
  // 2.1 sends JSON-LD only when the client names it explicitly.
  const bool v3 = version == Version::v3;
  const double q_ld = quality_of(ranges, "application/ld+json", context_uri(version), v3);
  const double q_json = quality_of(ranges, "application/json", "", true);
  if (q_ld > 0 && q_ld >= q_json) return ld;
  if (q_json > 0) return plain;
  return v3 ? ld : plain;  // nothing acceptable: send the version's default rather than 406
}

}  // namespace tessera::iiif
