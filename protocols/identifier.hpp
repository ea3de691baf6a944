#pragma once
// Percent-encoding of identifiers in URL paths (RFC 3986). `%2F` decodes to '/', which selects
// a sub-directory of the image root; root confinement happens later, in ImageRoot.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "imaging/error.hpp"

namespace tessera {

// nullopt for a malformed escape ("%4", "%zz").
std::optional<std::string> percent_decode(std::string_view text);

// Escapes everything but RFC 3986's unreserved characters, so '/' becomes %2F.
std::string percent_encode(std::string_view text);

// A path's encoded identifier, decoded; Errc::bad_request when it is empty or malformed.
Result<std::string> decode_identifier(std::string_view encoded);

// A plain decimal number in a URL (digits only: no sign, space or exponent), of at most
// `max_digits` digits; nullopt otherwise.
std::optional<std::int64_t> parse_digits(std::string_view text, std::size_t max_digits = 9);

}  // namespace tessera
