#include "protocols/iiif/features.hpp"

#include <algorithm>
#include <array>

#include "imaging/encoder.hpp"

namespace tessera::iiif {
namespace {

using enum Feature;

struct FeatureEntry {
  Feature feature;
  std::string_view name;  // as spelled in the Image API
  bool in_v2, in_v3;      // defined by that version
  bool supported;
};

constexpr std::array features{
    FeatureEntry{baseUriRedirect, "baseUriRedirect", true, true, true},
    FeatureEntry{canonicalLinkHeader, "canonicalLinkHeader", true, true, true},
    FeatureEntry{cors, "cors", true, true, true},
    FeatureEntry{jsonldMediaType, "jsonldMediaType", true, true, true},
    FeatureEntry{mirroring, "mirroring", true, true, true},
    FeatureEntry{profileLinkHeader, "profileLinkHeader", true, true, true},
    FeatureEntry{regionByPct, "regionByPct", true, true, true},
    FeatureEntry{regionByPx, "regionByPx", true, true, true},
    FeatureEntry{regionSquare, "regionSquare", true, true, true},
    FeatureEntry{rotationArbitrary, "rotationArbitrary", true, true, true},
    FeatureEntry{rotationBy90s, "rotationBy90s", true, true, true},
    FeatureEntry{sizeAboveFull, "sizeAboveFull", true, false, true},
    FeatureEntry{sizeByConfinedWh, "sizeByConfinedWh", true, true, true},
    FeatureEntry{sizeByDistortedWh, "sizeByDistortedWh", true, false, true},
    FeatureEntry{sizeByH, "sizeByH", true, true, true},
    FeatureEntry{sizeByPct, "sizeByPct", true, true, true},
    FeatureEntry{sizeByW, "sizeByW", true, true, true},
    FeatureEntry{sizeByWh, "sizeByWh", true, true, true},
    FeatureEntry{sizeUpscaling, "sizeUpscaling", false, true, true},
};

constexpr std::array<std::string_view, 4> qualities{"default", "color", "gray", "bitonal"};

// What each compliance level requires beyond the one below (the versions' compliance documents).
struct Level {
  std::span<const Feature> features;
  std::span<const std::string_view> formats;
  std::span<const std::string_view> qualities;
};

constexpr std::array v3_level1_features{regionByPx, regionSquare,    sizeByW, sizeByH,
                                        sizeByWh,   baseUriRedirect, cors,    jsonldMediaType};
constexpr std::array v3_level2_features{regionByPct, sizeByConfinedWh, sizeByPct, rotationBy90s};
constexpr std::array v2_level1_features{regionByPx,      sizeByW, sizeByH,        sizeByPct,
                                        baseUriRedirect, cors,    jsonldMediaType};
constexpr std::array v2_level2_features{regionByPct, sizeByConfinedWh, sizeByDistortedWh, sizeByWh,
                                        rotationBy90s};
constexpr std::array<std::string_view, 1> level1_formats{"jpg"};
constexpr std::array<std::string_view, 2> level2_formats{"jpg", "png"};
constexpr std::array<std::string_view, 1> level1_qualities{"default"};
constexpr std::array<std::string_view, 3> v3_level2_qualities{"default", "color", "gray"};
constexpr std::array<std::string_view, 4> v2_level2_qualities{"default", "color", "gray",
                                                              "bitonal"};

struct Levels {
  Level one, two;
};

Levels levels(Version v) {
  if (v == Version::v2)
    return {{v2_level1_features, level1_formats, level1_qualities},
            {v2_level2_features, level2_formats, v2_level2_qualities}};
  return {{v3_level1_features, level1_formats, level1_qualities},
          {v3_level2_features, level2_formats, v3_level2_qualities}};
}

template <class Range, class T>
bool contains(const Range& range, const T& value) {
  return std::ranges::find(range, value) != std::ranges::end(range);
}

bool serves_format(std::string_view f) {
  return find_output_format(f) != nullptr;
}

const FeatureEntry* entry(Feature feature) {
  for (const auto& f : features)
    if (f.feature == feature) return &f;
  return nullptr;
}

}  // namespace

bool supports(Feature feature, Version version, const ProfileOptions& options) {
  const FeatureEntry* e = entry(feature);
  if (!e || !e->supported || !(version == Version::v2 ? e->in_v2 : e->in_v3)) return false;
  if (feature == sizeUpscaling || feature == sizeAboveFull) return options.allow_upscaling;
  return true;
}

bool serves_quality(std::string_view q) {
  return contains(qualities, q);
}
std::span<const std::string_view> served_qualities() {
  return qualities;
}

std::string_view context_uri(Version version) {
  return version == Version::v2 ? "http://iiif.io/api/image/2/context.json"
                                : "http://iiif.io/api/image/3/context.json";
}

Compliance compliance(Version version, const ProfileOptions& options) {
  const auto has = [&](Feature f) { return supports(f, version, options); };
  const auto meets = [&](const Level& l) {
    return std::ranges::all_of(l.features, has) && std::ranges::all_of(l.formats, serves_format) &&
           std::ranges::all_of(l.qualities, serves_quality);
  };
  const Levels lv = levels(version);
  const bool level1 = meets(lv.one);
  const bool level2 = level1 && meets(lv.two);
  Compliance c;
  c.level = level2 ? "level2" : level1 ? "level1" : "level0";
  c.profile_uri = "http://iiif.io/api/image/" + std::to_string(static_cast<int>(version)) + "/" +
                  c.level + ".json";

  // What the reached level already requires is not listed again as "extra".
  const auto covered = [&](auto Level::*field, const auto& value) {
    return (level1 && contains(lv.one.*field, value)) || (level2 && contains(lv.two.*field, value));
  };
  for (const auto& f : features)
    if (has(f.feature) && !covered(&Level::features, f.feature))
      c.extra_features.emplace_back(f.name);
  for (const auto& f : output_formats())
    if (!covered(&Level::formats, f.extension)) c.extra_formats.emplace_back(f.extension);
  for (std::string_view q : qualities)
    if (!covered(&Level::qualities, q)) c.extra_qualities.emplace_back(q);
  return c;
}

}  // namespace tessera::iiif
