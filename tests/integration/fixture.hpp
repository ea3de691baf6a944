#pragma once
// Test images written for the integration tests, and a server over them.

#include <memory>

#include "imaging/raster.hpp"
#include "tests/support/test_support.hpp"

namespace tessera::testing {

// An image root with:
//   rgb.tif          1000x700 RGB, uncompressed, 256x256 tiles, 3 levels
//   grey.tif         777x555 grey, deflate, 256x256 tiles
//   jpeg.tif         1000x700 RGB, JPEG YCbCr tiles
//   grey16.tif       300x200 16-bit grey, 64x64 tiles
//   sub/nested.tif   a copy of grey.tif in a sub-directory
//   café.tif         a UTF-8 name
//   escape.tif       a symlink to a TIFF outside the root
struct ImageTree {
  TempDir dir;
  std::filesystem::path root;
  std::filesystem::path outside;
  Raster rgb, grey;

  ImageTree();
};

// The shared tree (written once per test run).
const ImageTree& images();

// A server over images() with extra arguments.
std::unique_ptr<ServerProcess> start_server(std::vector<std::string> extra = {},
                                            const std::map<std::string, std::string>& env = {});

}  // namespace tessera::testing
