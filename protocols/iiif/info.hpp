#pragma once
// The Image API 3.0 information document (info.json) of one image.

#include <nlohmann/json.hpp>
#include <string>

#include "imaging/image_source.hpp"
#include "protocols/iiif/request.hpp"

namespace tessera::iiif {

inline constexpr std::string_view context_v3 = "http://iiif.io/api/image/3/context.json";

// `id` is the image's base URI. Sizes and tiles come from the pyramid; features, formats and
// qualities from the registry in features.hpp.
nlohmann::ordered_json info_json(const ImageInfo& info, const std::string& id,
                                 const Limits& limits);

// Scale factor of each pyramid level relative to the full image (1, 2, 4, ...).
std::vector<std::int64_t> scale_factors(const ImageInfo& info);

}  // namespace tessera::iiif
