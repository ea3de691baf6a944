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
    FeatureEntry{mirroring, "mirroring", false},
    FeatureEntry{profileLinkHeader, "profileLinkHeader", true},
    FeatureEntry{regionByPct, "regionByPct", true},
    FeatureEntry{regionByPx, "regionByPx", true},
    FeatureEntry{regionSquare, "regionSquare", true},
    FeatureEntry{rotationArbitrary, "rotationArbitrary", false},
    FeatureEntry{rotationBy90s, "rotationBy90s", false},
    FeatureEntry{sizeByConfinedWh, "sizeByConfinedWh", true},
    FeatureEntry{sizeByH, "sizeByH", true},
    FeatureEntry{sizeByPct, "sizeByPct", true},
    FeatureEntry{sizeByW, "sizeByW", true},
    FeatureEntry{sizeByWh, "sizeByWh", true},
    FeatureEntry{sizeUpscaling, "sizeUpscaling", true},
};

constexpr std::array<std::string_view, 2> qualities{"default", "color"};
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

template <class Range>
bool all_supported(const Range& required) {
  return std::all_of(required.begin(), required.end(), [](Feature f) { return supports(f); });
}

bool serves_format(std::string_view f) {
  return find_output_format(f) != nullptr;
}
bool serves_quality(std::string_view q) {
  const auto s = supported_qualities();
  return std::find(s.begin(), s.end(), q) != s.end();
}

template <class Range, class Pred>
bool all_of(const Range& r, Pred p) {
  return std::all_of(r.begin(), r.end(), p);
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

std::span<const std::string_view> supported_qualities() {
  return qualities;
}

bool is_known_quality(std::string_view q) {
  return std::find(known_qualities.begin(), known_qualities.end(), q) != known_qualities.end();
}

bool is_known_format(std::string_view f) {
  return std::find(known_formats.begin(), known_formats.end(), f) != known_formats.end() ||
         serves_format(f);
}

Compliance compliance() {
  const bool level1 = all_supported(level1_features) && all_of(level1_formats, serves_format) &&
                      all_of(level1_qualities, serves_quality);
  const bool level2 = level1 && all_supported(level2_features) &&
                      all_of(level2_formats, serves_format) &&
                      all_of(level2_qualities, serves_quality);
  Compliance c;
  c.level = level2 ? "level2" : level1 ? "level1" : "level0";

  const auto in_level = [&](Feature f) {
    const bool l1 =
        std::find(level1_features.begin(), level1_features.end(), f) != level1_features.end();
    const bool l2 =
        std::find(level2_features.begin(), level2_features.end(), f) != level2_features.end();
    return (level1 && l1) || (level2 && l2);
  };
  for (const auto& f : features)
    if (f.supported && !in_level(f.feature)) c.extra_features.emplace_back(f.name);

  const auto in_list = [](const auto& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
  };
  for (const auto& f : output_formats()) {
    const bool covered = (level2 && in_list(level2_formats, f.extension)) ||
                         (level1 && in_list(level1_formats, f.extension));
    if (!covered) c.extra_formats.emplace_back(f.extension);
  }
  for (std::string_view q : qualities) {
    const bool covered =
        (level2 && in_list(level2_qualities, q)) || (level1 && in_list(level1_qualities, q));
    if (!covered) c.extra_qualities.emplace_back(q);
  }
  return c;
}

}  // namespace tessera::iiif
