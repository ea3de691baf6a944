#pragma once
// Percent-encoding of identifiers in URL paths (RFC 3986). `%2F` decodes to '/', which selects
// a sub-directory of the image root; root confinement happens later, in ImageRoot.

#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// nullopt for a malformed escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view text);

// Escapes everything but RFC 3986's unreserved characters, so '/' becomes %2F.
std::string percent_encode(std::string_view text);

}  // namespace tessera
