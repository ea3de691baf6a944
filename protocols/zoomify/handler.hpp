#pragma once
// Zoomify: /zoomify/{identifier}/ImageProperties.xml and
// /zoomify/{identifier}/TileGroup{g}/{z}-{x}-{y}.jpg, and iipsrv's ?Zoomify={identifier}/...
// The level grid is Zoomify's own (each level halves the one above, rounding down, until the
// image fits one tile); tiles are numbered across levels from the smallest, 256 per group.

#include <string_view>

#include "protocols/http_types.hpp"
#include "protocols/image_service.hpp"

namespace tessera::zoomify {

class Handler {
 public:
  explicit Handler(const ImageService& service);

  // `path` is what follows "/zoomify/" (or the value of ?Zoomify=), still percent-encoded:
  // "{identifier}/ImageProperties.xml" or "{identifier}/TileGroup{g}/{z}-{x}-{y}.jpg".
  Reply handle(const Request& request, std::string_view path) const;

 private:
  const ImageService& service_;
};

}  // namespace tessera::zoomify
