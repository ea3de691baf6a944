#include "protocols/iiif/info.hpp"

#include <cmath>

#include "imaging/encoder.hpp"
#include "protocols/iiif/features.hpp"

namespace tessera::iiif {
namespace {

using json = nlohmann::ordered_json;

// Every level within the limits, smallest first.
json sizes(const ImageInfo& info, const Limits& limits) {
  json out = json::array();
  for (auto it = info.levels.rbegin(); it != info.levels.rend(); ++it)
    if (limits.fits(it->width, it->height))
      out.push_back({{"width", it->width}, {"height", it->height}});
  return out;
}

// The stored tile size, halved while it exceeds a limit ("sizes specified by tiles MUST be within
// any size limits"); any tile size is served, the stored one is only the fastest.
json tiles(const ImageInfo& info, const Limits& limits) {
  const LevelInfo& full = info.levels.front();
  std::int64_t w = full.tile_width, h = full.tile_height;
  while ((w > 1 || h > 1) && !limits.fits(w, h)) w = (w + 1) / 2, h = (h + 1) / 2;
  json tile = {{"width", w}};
  if (h != w) tile["height"] = h;
  tile["scaleFactors"] = scale_factors(info);
  return json::array({tile});
}

bool is_uri(std::string_view s) {
  return (s.starts_with("http://") || s.starts_with("https://")) &&
         s.find_first_of(" \t\r\n\"<>") == std::string_view::npos;
}

std::string file_rights(const ImageInfo& info) {
  auto it = info.metadata.find("rights");
  return it == info.metadata.end() ? std::string() : it->second;
}

void add_limits(json& doc, const Limits& limits) {
  // maxHeight may only appear with maxWidth.
  if (limits.max_width) doc["maxWidth"] = limits.max_width;
  if (limits.max_width && limits.max_height) doc["maxHeight"] = limits.max_height;
  if (limits.max_area) doc["maxArea"] = limits.max_area;
}

void merge_extra(json& doc, const json& extra) {
  for (const auto& [key, value] : extra.items())
    if (!doc.contains(key)) doc[key] = value;
}

json info_v3(const ImageInfo& info, const std::string& id, const InfoOptions& o) {
  const Compliance c = compliance(Version::v3, o.profile);
  json doc = {
      {"@context", context_uri(Version::v3)},
      {"id", id},
      {"type", "ImageService3"},
      {"protocol", "http://iiif.io/api/image"},
      {"profile", c.level},
      {"width", info.width()},
      {"height", info.height()},
  };
  add_limits(doc, o.limits);
  doc["sizes"] = sizes(info, o.limits);
  doc["tiles"] = tiles(info, o.limits);
  if (!o.preferred_formats.empty()) doc["preferredFormats"] = o.preferred_formats;
  const std::string own = file_rights(info);
  // 3.0 rights must be a Creative Commons or RightsStatements.org URI; other licence links are
  // stated in 2.1's `license` only.
  if (is_rights_uri(own))
    doc["rights"] = own;
  else if (is_rights_uri(o.rights))
    doc["rights"] = o.rights;
  if (!c.extra_qualities.empty()) doc["extraQualities"] = c.extra_qualities;
  if (!c.extra_formats.empty()) doc["extraFormats"] = c.extra_formats;
  if (!c.extra_features.empty()) doc["extraFeatures"] = c.extra_features;
  merge_extra(doc, o.extra);
  return doc;
}

json info_v2(const ImageInfo& info, const std::string& id, const InfoOptions& o) {
  const Compliance c = compliance(Version::v2, o.profile);
  json doc = {
      {"@context", context_uri(Version::v2)},
      {"@id", id},
      {"protocol", "http://iiif.io/api/image"},
      {"width", info.width()},
      {"height", info.height()},
  };
  doc["sizes"] = sizes(info, o.limits);
  doc["tiles"] = tiles(info, o.limits);

  // The profile object lists every format and quality served (the union with the level's is
  // the same set) and the features beyond the level.
  json description = json::object();
  json formats = json::array();
  for (const auto& f : output_formats()) formats.push_back(f.extension);
  description["formats"] = formats;
  description["qualities"] = served_qualities();
  if (!c.extra_features.empty()) description["supports"] = c.extra_features;
  add_limits(description, o.limits);
  doc["profile"] = json::array({c.profile_uri, description});

  const std::string own = file_rights(info);
  if (!own.empty() && !is_uri(own))
    doc["attribution"] = own;
  else if (!o.attribution.empty())
    doc["attribution"] = o.attribution;
  if (is_uri(own))
    doc["license"] = own;
  else if (!o.rights.empty())
    doc["license"] = o.rights;
  merge_extra(doc, o.extra);
  return doc;
}

}  // namespace

std::vector<std::int64_t> scale_factors(const ImageInfo& info) {
  std::vector<std::int64_t> factors;
  for (const LevelInfo& lv : info.levels) {
    const double ratio = static_cast<double>(info.width()) / static_cast<double>(lv.width);
    const auto f = static_cast<std::int64_t>(std::exp2(std::round(std::log2(ratio))));
    if (factors.empty() || f > factors.back()) factors.push_back(f);
  }
  return factors;
}

bool is_rights_uri(std::string_view uri) {
  if (!is_uri(uri)) return false;
  const std::string_view rest = uri.substr(uri.find("//") + 2);
  return rest.starts_with("creativecommons.org/") || rest.starts_with("rightsstatements.org/");
}

nlohmann::ordered_json info_json(const ImageInfo& info, const std::string& id, Version version,
                                 const InfoOptions& options) {
  return version == Version::v2 ? info_v2(info, id, options) : info_v3(info, id, options);
}

}  // namespace tessera::iiif
