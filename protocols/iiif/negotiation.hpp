#pragma once
// Content negotiation for info.json (RFC 7231 Accept with q-values): which Content-Type to
// send, and which Image API version a request's Accept header asks for through the JSON-LD
// `profile` parameter.

#include <optional>
#include <string>
#include <string_view>

#include "protocols/iiif/features.hpp"

namespace tessera::iiif {

// The version whose context document an `application/ld+json;profile="..."` range in `accept`
// names (the one with the highest q > 0; the first of equals), if any.
std::optional<Version> version_from_accept(std::string_view accept);

// "application/ld+json;profile=\"<context>\"" or "application/json". 3.0 prefers JSON-LD
// (also when there is no Accept header); 2.1 sends JSON-LD only when the client names it.
std::string info_content_type(std::string_view accept, Version version);

}  // namespace tessera::iiif
