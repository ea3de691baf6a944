#pragma once
// Ownership of a libtiff handle: closed when the pointer goes.

#include <tiffio.h>

#include <memory>

namespace tessera {

struct TiffCloser {
  void operator()(TIFF* tif) const noexcept { TIFFClose(tif); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

}  // namespace tessera
