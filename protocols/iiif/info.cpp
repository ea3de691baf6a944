#include "protocols/iiif/info.hpp"

#include <cmath>

#include "protocols/iiif/features.hpp"

namespace tessera::iiif {

std::vector<std::int64_t> scale_factors(const ImageInfo& info) {
  std::vector<std::int64_t> factors;
  for (const LevelInfo& lv : info.levels) {
    const double ratio = static_cast<double>(info.width()) / static_cast<double>(lv.width);
    const auto f = static_cast<std::int64_t>(std::exp2(std::round(std::log2(ratio))));
    if (factors.empty() || f > factors.back()) factors.push_back(f);
  }
  return factors;
}

nlohmann::ordered_json info_json(const ImageInfo& info, const std::string& id,
                                 const Limits& limits) {
  using json = nlohmann::ordered_json;
  const Compliance c = compliance();
  json doc = {
      {"@context", context_v3},  {"id", id},
      {"type", "ImageService3"}, {"protocol", "http://iiif.io/api/image"},
      {"profile", c.level},      {"width", info.width()},
      {"height", info.height()},
  };
  if (limits.max_width) doc["maxWidth"] = limits.max_width;
  if (limits.max_height) doc["maxHeight"] = limits.max_height;
  if (limits.max_area) doc["maxArea"] = limits.max_area;

  // Every stored level, smallest first, as long as it is within the limits.
  json sizes = json::array();
  for (auto it = info.levels.rbegin(); it != info.levels.rend(); ++it) {
    if (limits.max_width && it->width > limits.max_width) continue;
    if (limits.max_height && it->height > limits.max_height) continue;
    if (limits.max_area && it->width * it->height > limits.max_area) continue;
    sizes.push_back({{"width", it->width}, {"height", it->height}});
  }
  doc["sizes"] = sizes;

  const LevelInfo& full = info.levels.front();
  json tile = {{"width", full.tile_width}, {"scaleFactors", scale_factors(info)}};
  if (full.tile_height != full.tile_width) tile["height"] = full.tile_height;
  doc["tiles"] = json::array({tile});

  if (!c.extra_qualities.empty()) doc["extraQualities"] = c.extra_qualities;
  if (!c.extra_formats.empty()) doc["extraFormats"] = c.extra_formats;
  if (!c.extra_features.empty()) doc["extraFeatures"] = c.extra_features;
  return doc;
}

}  // namespace tessera::iiif
