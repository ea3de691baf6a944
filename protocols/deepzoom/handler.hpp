#pragma once
// DeepZoom: /deepzoom/{identifier}.dzi and /deepzoom/{identifier}_files/{level}/{col}_{row}.jpg
// (or .png), and iipsrv's ?DeepZoom={identifier}.dzi / ?DeepZoom={identifier}_files/...
// Levels run from 1x1 (level 0) to the full image, each halving the next (rounding up), as
// DeepZoom viewers compute them; levels below the smallest stored one are downscaled.

#include <string_view>

#include "protocols/http_types.hpp"
#include "protocols/image_service.hpp"

namespace tessera::deepzoom {

struct Options {
  int overlap = 0;  // pixels each tile shares with its neighbours
};

class Handler {
 public:
  Handler(const ImageService& service, Options options);

  // `path` is what follows "/deepzoom/" (or the value of ?DeepZoom=), still percent-encoded.
  Reply handle(const Request& request, std::string_view path) const;

 private:
  const ImageService& service_;
  Options options_;
};

}  // namespace tessera::deepzoom
