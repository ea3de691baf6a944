#pragma once
// Test images written for the integration tests, and a server over them.

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "imaging/raster.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

namespace tessera::testing {

// An image root with:
//   rgb.tif          1000x700 RGB, uncompressed, 256x256 tiles, 3 levels
//   grey.tif         777x555 grey, deflate, 256x256 tiles
//   jpeg.tif         1000x700 RGB, JPEG YCbCr tiles
//   grey16.tif       300x200 16-bit grey, 64x64 tiles
//   sub/nested.tif   a copy of grey.tif in a sub-directory
//   café.tif         a UTF-8 name
//   escape.tif       a symlink to a TIFF outside the root
//   grid.tif         1200x800 RGB grid of 100x100 squares (grid_colour), 256x256 tiles, 4 levels
//   stack.tif        3 same-size RGB images (stack spec; pixels are written_value(stack, i, ...))
//   stack.tif;2      a file whose name contains the page delimiter: 64x48 of stack_literal_colour
//   rights.tif       300x200 RGB whose Copyright tag is rights_uri
//   credit.tif       300x200 RGB whose Copyright tag is credit_text (not a URI)
struct ImageTree {
  TempDir dir;
  std::filesystem::path root;
  std::filesystem::path outside;
  Raster rgb, grey, grid;
  TiffSpec stack;

  ImageTree();
};

// The shared tree (written once per test run).
const ImageTree& images();

// A server over images() with extra arguments.
std::unique_ptr<ServerProcess> start_server(std::vector<std::string> extra = {},
                                            const std::map<std::string, std::string>& env = {});

// ---- The grid image and checks of its content ----

struct Rgb {
  int r = 0, g = 0, b = 0;
};

constexpr int grid_width = 1200, grid_height = 800, grid_square = 100;
// The colour of square (col, row): every square differs from the others by at least 20 in red
// or 30 in green, so a moved, mirrored or swapped square is detected through JPEG noise.
Rgb grid_colour(int col, int row);
constexpr Rgb stack_literal_colour{10, 200, 30};
inline const std::string rights_uri = "http://creativecommons.org/licenses/by/4.0/";
inline const std::string credit_text = "Example Museum, all rights reserved";

// Pixel (x, y) as RGB (grey rasters repeat their value, alpha is ignored).
Rgb pixel_at(const Raster& r, std::int64_t x, std::int64_t y);
int alpha_at(const Raster& r, std::int64_t x, std::int64_t y);  // 255 without an alpha band
bool near(const Rgb& a, const Rgb& b, int tolerance);
std::string to_string(const Rgb& c);
double luma(const Rgb& c);  // Rec. 601

// Maps a point of the scaled region (0..ow, 0..oh) to output pixel coordinates.
using Placement = std::function<std::pair<double, double>(double u, double v)>;

struct GridCheck {
  int checked = 0;
  int failed = 0;
  std::string first_failure;
};

// Checks `got`, which shows region (rx, ry, rw, rh) of the grid scaled to ow x oh and then
// placed by `place` (default: as is), at the centre of every square whose centre lies in the
// region and that stays at least 6 output pixels wide. `expect` gives the colour expected for
// a source colour (default: itself, for the quality tests: its grey).
GridCheck check_grid(const Raster& got, std::int64_t rx, std::int64_t ry, std::int64_t rw,
                     std::int64_t rh, std::int64_t ow, std::int64_t oh, int tolerance,
                     const Placement& place = {},
                     const std::function<Rgb(const Rgb&)>& expect = {});

// ---- Responses ----

// Decodes a served image with the format's own library (jpg png webp tif gif avif), 8-bit.
Raster decode_image(const std::string& format, const std::string& bytes);

// GETs `target`, which ends in ".<format>"; requires 200 and decodes the body.
Raster get_image(std::uint16_t port, const std::string& target,
                 const std::map<std::string, std::string>& headers = {});

// The URI of the Link header entry with rel="<rel>", or "" (RFC 8288, as the IIIF examples).
std::string link_target(const std::string& link_header, const std::string& rel);

// "http://127.0.0.1:<port>", the origin of a test server's absolute URLs.
std::string origin(std::uint16_t port);

// GETs iipsrv's path with an IIP query.
HttpResponse iip_get(std::uint16_t port, const std::string& query);
// The same for an IIP query answered with a PNG (required: 200, image/png), decoded.
Raster iip_png(std::uint16_t port, const std::string& query);

// GETs a info.json (which must answer 200) and parses it, keeping the key order.
nlohmann::ordered_json get_info(std::uint16_t port, const std::string& target,
                                const std::map<std::string, std::string>& headers = {});

}  // namespace tessera::testing
