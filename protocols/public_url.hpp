#pragma once
// The public URL under which clients reach the server, for absolute URLs in responses (IIIF
// ids, redirects). Behind a reverse proxy it comes from X-Forwarded-Proto/-Host/-Prefix (first
// value of each), else from Host; a configured base URL (iipsrv's BASE_URL) overrides both.
// Header values that do not look like a scheme, host or path are ignored, so a forged header
// cannot inject text into a document.

#include <string>
#include <string_view>

#include "protocols/http_types.hpp"

namespace tessera {

// "scheme://host[:port][/prefix]" without a trailing slash.
std::string public_base(const Request& request, std::string_view configured_base);

}  // namespace tessera
