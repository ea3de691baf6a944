// Writes the fuzzer's seed corpus: small TIFFs of the layouts, compressions and sample layouts
// the unit tests cover, made by the same test writer.

#include <iostream>

#include "tests/support/tiff_writer.hpp"

using tessera::testing::TiffLayout;
using tessera::testing::TiffSpec;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds DIR\n";
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  std::vector<TiffSpec> specs;
  const auto add = [&](auto&& edit) {
    TiffSpec s;
    s.width = 70;
    s.height = 50;
    s.tile_width = s.tile_height = 16;
    s.rows_per_strip = 8;
    edit(s);
    specs.push_back(s);
  };
  add([](TiffSpec& s) { s.levels = 3; });
  add([](TiffSpec& s) { s.levels = 3, s.layout = TiffLayout::subifds, s.bigtiff = true; });
  add([](TiffSpec& s) { s.images = 2, s.levels = 2, s.big_endian = true; });
  add([](TiffSpec& s) { s.tile_width = 0, s.compression = COMPRESSION_LZW; });
  add([](TiffSpec& s) {
    s.samples = 3, s.photometric = PHOTOMETRIC_YCBCR, s.compression = COMPRESSION_JPEG;
  });
  add([](TiffSpec& s) {
    s.samples = 3, s.photometric = PHOTOMETRIC_RGB, s.compression = COMPRESSION_WEBP;
  });
  add([](TiffSpec& s) { s.bits = 16, s.compression = COMPRESSION_ZSTD, s.predictor = 2; });
  add([](TiffSpec& s) {
    s.bits = 32, s.sample_format = SAMPLEFORMAT_IEEEFP, s.compression = COMPRESSION_ADOBE_DEFLATE;
    s.predictor = 3;
  });
  add([](TiffSpec& s) {
    s.bits = 1, s.photometric = PHOTOMETRIC_MINISWHITE, s.compression = COMPRESSION_CCITTFAX4;
  });
  add([](TiffSpec& s) {
    s.bits = 4, s.photometric = PHOTOMETRIC_PALETTE, s.compression = COMPRESSION_PACKBITS;
  });
  add([](TiffSpec& s) { s.samples = 3, s.photometric = PHOTOMETRIC_CIELAB; });
  add([](TiffSpec& s) { s.samples = 4, s.photometric = PHOTOMETRIC_SEPARATED, s.tile_width = 0; });
  add([](TiffSpec& s) { s.samples = 3, s.photometric = PHOTOMETRIC_YCBCR; });
  add([](TiffSpec& s) {
    s.samples = 5, s.planar = PLANARCONFIG_SEPARATE, s.compression = COMPRESSION_LZMA;
  });
  int n = 0;
  for (const TiffSpec& s : specs)
    tessera::testing::write_tiff(dir / ("seed" + std::to_string(n++) + ".tif"), s);
  std::cout << n << " seeds in " << dir << "\n";
  return 0;
}
