#include "tests/integration/fixture.hpp"

#include <stdexcept>

#include "imaging/pyramid_writer.hpp"
#include "tests/support/tiff_writer.hpp"

namespace tessera::testing {

namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const Raster& r, const PyramidOptions& o) {
  if (auto err = write_pyramid_tiff(p, r, o)) throw std::runtime_error(err->message);
}
}  // namespace

ImageTree::ImageTree() : rgb(test_pattern(1000, 700, 3)), grey(test_pattern(777, 555, 1)) {
  root = dir.path() / "root";
  fs::create_directories(root / "sub");
  write(root / "rgb.tif", rgb, {256, 256, TiffCompression::none});
  write(root / "grey.tif", grey, {256, 256, TiffCompression::deflate});
  write(root / "jpeg.tif", rgb, {256, 256, TiffCompression::jpeg, 95, true});
  write(root / "sub" / "nested.tif", grey, {256, 256, TiffCompression::deflate});
  write(root / "caf\xC3\xA9.tif", grey, {256, 256, TiffCompression::deflate});
  TiffSpec deep;  // 300x200 16-bit grey, 64x64 tiles
  deep.bits = 16;
  write_tiff(root / "grey16.tif", deep);
  outside = dir.path() / "secret.tif";
  write(outside, grey, {256, 256, TiffCompression::deflate});
  fs::create_symlink(outside, root / "escape.tif");
}

const ImageTree& images() {
  static const ImageTree tree;
  return tree;
}

std::unique_ptr<ServerProcess> start_server(std::vector<std::string> extra,
                                            const std::map<std::string, std::string>& env) {
  std::vector<std::string> args{
      "--root", images().root.string(), "--jpeg-quality", "100", "--threads", "2", "--workers",
      "2"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ServerProcess>(args, env);
}

}  // namespace tessera::testing
