#include "protocols/iiif/features.hpp"

#include <algorithm>
#include <array>

#include "imaging/encoder.hpp"

namespace tessera::iiif {
namespace {

using enum Feature;

constexpr std::array features{
    FeatureEntry{baseUriRedirect, "baseUriRedirect", true},
    FeatureEntry{canonicalLinkHeader, "canonicalLinkHeader", false},
    FeatureEntry{cors, "cors", true},
    FeatureEntry{jsonldMediaType, "jsonldMediaType", true},
    FeatureEntry{mirroring, "mirroring", true},
    FeatureEntry{profileLinkHeader, "profileLinkHeader", true},
    FeatureEntry{regionByPct, "regionByPct", true},
    FeatureEntry{regionByPx, "regionByPx", true},
    FeatureEntry{regionSquare, "regionSquare", true},
    FeatureEntry{rotationArbitrary, "rotationArbitrary", true},
    FeatureEntry{rotationBy90s, "rotationBy90s", true},
    FeatureEntry{sizeByConfinedWh, "sizeByConfinedWh", true},
    FeatureEntry{sizeByH, "sizeByH", true},
    FeatureEntry{sizeByPct, "sizeByPct", true},
    FeatureEntry{sizeByW, "sizeByW", true},
    FeatureEntry{sizeByWh, "sizeByWh", true},
    FeatureEntry{sizeUpscaling, "sizeUpscaling", true},
};

constexpr std::array<std::string_view, 4> qualities{"default", "color", "gray", "bitonal"};
constexpr std::array<std::string_view, 4> known_qualities{"default", "color", "gray", "bitonal"};
constexpr std::array<std::string_view, 7> known_formats{"jpg", "tif", "png", "gif",
                                                        "jp2", "pdf", "webp"};

// Image API 3.0 compliance levels.
constexpr std::array level1_features{regionByPx, regionSquare,    sizeByW, sizeByH,
                                     sizeByWh,   baseUriRedirect, cors,    jsonldMediaType};
constexpr std::array level2_features{regionByPct, sizeByConfinedWh, sizeByPct, rotationBy90s};
constexpr std::array<std::string_view, 1> level1_formats{"jpg"};
constexpr std::array<std::string_view, 2> level2_formats{"jpg", "png"};
constexpr std::array<std::string_view, 1> level1_qualities{"default"};
constexpr std::array<std::string_view, 3> level2_qualities{"default", "color", "gray"};

template <class Range, class T>
bool contains(const Range& range, const T& value) {
  return std::ranges::find(range, value) != std::ranges::end(range);
}

bool serves_format(std::string_view f) {
  return find_output_format(f) != nullptr;
}

}  // namespace

std::span<const FeatureEntry> feature_table() {
  return features;
}

bool supports(Feature feature) {
  for (const auto& f : features)
    if (f.feature == feature) return f.supported;
  return false;
}

bool serves_quality(std::string_view q) {
  return contains(qualities, q);
}
bool is_known_quality(std::string_view q) {
  return contains(known_qualities, q);
}
bool is_known_format(std::string_view f) {
  return contains(known_formats, f) || serves_format(f);
}

Compliance compliance() {
  const auto all = [](const auto& range, auto pred) { return std::ranges::all_of(range, pred); };
  const bool level1 = all(level1_features, supports) && all(level1_formats, serves_format) &&
                      all(level1_qualities, serves_quality);
  const bool level2 = level1 && all(level2_features, supports) &&
                      all(level2_formats, serves_format) && all(level2_qualities, serves_quality);
  Compliance c;
  c.level = level2 ? "level2" : level1 ? "level1" : "level0";

  // What the reached level already requires is not listed again as "extra".
  const auto covered = [&](const auto& in1, const auto& in2, const auto& value) {
    return (level1 && contains(in1, value)) || (level2 && contains(in2, value));
  };
  for (const auto& f : features)
    if (f.supported && !covered(level1_features, level2_features, f.feature))
      c.extra_features.emplace_back(f.name);
  for (const auto& f : output_formats())
    if (!covered(level1_formats, level2_formats, f.extension))
      c.extra_formats.emplace_back(f.extension);
  for (std::string_view q : qualities)
    if (!covered(level1_qualities, level2_qualities, q)) c.extra_qualities.emplace_back(q);
  return c;
}

}  // namespace tessera::iiif
