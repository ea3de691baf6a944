#pragma once
// What Tessera's IIIF endpoint implements, per Image API version. The parser refuses (501) what
// is not marked supported here, and info.json derives its compliance level and its extra
// features, formats and qualities from the same tables, so the two cannot disagree.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::iiif {

enum class Version { v2 = 2, v3 = 3 };

// Every feature name either version defines (Image API 2.1 section 5.3, 3.0 section 5.7).
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
  sizeAboveFull,  // 2.1 only: sizes larger than the region
  sizeByConfinedWh,
  sizeByDistortedWh,  // 2.1 only: w,h that changes the aspect ratio
  sizeByH,
  sizeByPct,
  sizeByW,
  sizeByWh,
  sizeUpscaling,  // 3.0 only: the ^ prefix
};

// Server choices that change what is offered.
struct ProfileOptions {
  bool allow_upscaling = true;  // iipsrv's ALLOW_UPSCALING
};

bool supports(Feature feature, Version version, const ProfileOptions& options = {});

// Qualities the pipeline can produce (formats come from the encoder registry). The Image API
// wants 400 for any other quality or format, so no list of the API's own names is kept.
bool serves_quality(std::string_view quality);
std::span<const std::string_view> served_qualities();

struct Compliance {
  std::string level;        // "level0", "level1" or "level2"
  std::string profile_uri;  // e.g. "http://iiif.io/api/image/3/level2.json"
  std::vector<std::string> extra_features;
  std::vector<std::string> extra_formats;
  std::vector<std::string> extra_qualities;
};

// The highest level whose requirements (the version's compliance document) are all met, and
// what is supported beyond it.
Compliance compliance(Version version, const ProfileOptions& options = {});

std::string_view context_uri(Version version);  // "http://iiif.io/api/image/N/context.json"

}  // namespace tessera::iiif
