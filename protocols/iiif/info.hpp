#pragma once
// The image information document (info.json) of one image, for Image API 3.0 or 2.1.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imaging/image_source.hpp"
#include "protocols/iiif/features.hpp"
#include "protocols/iiif/request.hpp"

namespace tessera::iiif {

// Server-wide parts of info.json.
struct InfoOptions {
  Limits limits;  // as enforced (effective_limits)
  ProfileOptions profile;
  std::vector<std::string> preferred_formats;  // 3.0 preferredFormats; must be served formats
  std::string rights;       // rights/licence URI for images whose file states none
  std::string attribution;  // 2.1 attribution text for images whose file states none
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // merged in, never overriding
};

// `id` is the image's base URI. Sizes and tiles come from the pyramid; features, formats and
// qualities from the registry in features.hpp.
nlohmann::ordered_json info_json(const ImageInfo& info, const std::string& id, Version version,
                                 const InfoOptions& options);

// Scale factor of each pyramid level relative to the full image (1, 2, 4, ...).
std::vector<std::int64_t> scale_factors(const ImageInfo& info);

// Whether `uri` may be a 3.0 `rights` value: a Creative Commons licence or a
// RightsStatements.org statement.
bool is_rights_uri(std::string_view uri);

}  // namespace tessera::iiif
