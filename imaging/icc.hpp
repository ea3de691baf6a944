#pragma once
// ICC profiles: what colour space a profile describes (read from its header, so embedding needs
// no colour engine), and conversion of working rasters to sRGB through lcms2.

#include <optional>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/raster.hpp"

namespace tessera {

enum class IccSpace { grey, rgb, other };

// The data colour space in the profile's header; `other` for anything unreadable.
IccSpace icc_space(std::string_view profile) noexcept;

// Converts a working raster (f32 in [0,1], 1 or 3 bands matching the profile) from `profile`
// to sRGB (grey: to a grey with sRGB's tone curve), in place. Transforms are built once per
// distinct profile and shared between threads.
std::optional<Error> convert_to_srgb(Raster& working, std::string_view profile);

}  // namespace tessera
