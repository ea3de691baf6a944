#pragma once
// What Tessera's IIIF endpoint implements. The parser refuses (501) what is not marked supported
// here, and info.json derives its compliance level and extraFeatures/extraFormats/extraQualities
// from the same tables, so the two cannot disagree.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::iiif {

enum class Feature {
  baseUriRedirect,
  canonicalLinkHeader,
  cors,
  jsonldMediaType,
  mirroring,
  profileLinkHeader,
  regionByPct,
  regionByPx,
  regionSquare,
  rotationArbitrary,
  rotationBy90s,
  sizeByConfinedWh,
  sizeByH,
  sizeByPct,
  sizeByW,
  sizeByWh,
  sizeUpscaling,
};

struct FeatureEntry {
  Feature feature;
  std::string_view name;  // as spelled in the Image API
  bool supported;
};

std::span<const FeatureEntry> feature_table();
bool supports(Feature feature);

// Qualities the pipeline can produce.
bool serves_quality(std::string_view quality);
bool is_known_quality(std::string_view quality);  // any quality the Image API defines

// Formats the Image API names; whether each is served comes from the encoder registry.
bool is_known_format(std::string_view format);

struct Compliance {
  std::string level;  // "level0", "level1" or "level2"
  std::vector<std::string> extra_features;
  std::vector<std::string> extra_formats;
  std::vector<std::string> extra_qualities;
};

// The highest level whose requirements (Image API 3.0 compliance document) are all met, and
// what is supported beyond it.
Compliance compliance();

}  // namespace tessera::iiif
