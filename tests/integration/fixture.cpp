#include "tests/integration/fixture.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

#include <catch2/catch.hpp>

#include "imaging/pyramid_writer.hpp"
#include "tests/support/reference_decoders.hpp"

namespace tessera::testing {

namespace fs = std::filesystem;

namespace {
void write(const fs::path& p, const Raster& r, const PyramidOptions& o) {
  if (auto err = write_pyramid_tiff(p, r, o)) throw std::runtime_error(err->message);
}

Raster make_grid() {
  Raster r(grid_width, grid_height, 3);
  for (std::int64_t y = 0; y < grid_height; ++y) {
    std::uint8_t* row = r.row(y);
    for (std::int64_t x = 0; x < grid_width; ++x) {
      const Rgb c =
          grid_colour(static_cast<int>(x / grid_square), static_cast<int>(y / grid_square));
      row[3 * x] = static_cast<std::uint8_t>(c.r);
      row[3 * x + 1] = static_cast<std::uint8_t>(c.g);
      row[3 * x + 2] = static_cast<std::uint8_t>(c.b);
    }
  }
  return r;
}

Raster solid(std::int64_t w, std::int64_t h, const Rgb& c) {
  Raster r(w, h, 3);
  for (std::size_t i = 0; i < r.data.size(); i += 3) {
    r.data[i] = static_cast<std::uint8_t>(c.r);
    r.data[i + 1] = static_cast<std::uint8_t>(c.g);
    r.data[i + 2] = static_cast<std::uint8_t>(c.b);
  }
  return r;
}

TiffSpec small_rgb() {
  TiffSpec s;
  s.samples = 3;
  s.photometric = PHOTOMETRIC_RGB;
  return s;
}
}  // namespace

ImageTree::ImageTree()
    : rgb(test_pattern(1000, 700, 3)), grey(test_pattern(777, 555, 1)), grid(make_grid()) {
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

  write(root / "grid.tif", grid, {256, 256, TiffCompression::deflate});
  stack = small_rgb();
  stack.width = 160;
  stack.height = 120;
  stack.images = 3;
  write_tiff(root / "stack.tif", stack);
  write(root / "stack.tif;2", solid(64, 48, stack_literal_colour),
        {256, 256, TiffCompression::none});
  TiffSpec rights = small_rgb();
  rights.tags[TIFFTAG_COPYRIGHT] = rights_uri;
  write_tiff(root / "rights.tif", rights);
  TiffSpec credit = small_rgb();
  credit.tags[TIFFTAG_COPYRIGHT] = credit_text;
  write_tiff(root / "credit.tif", credit);
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

// ---- grid ----

Rgb grid_colour(int col, int row) {
  return {20 + 20 * col, 25 + 30 * row, (col + row) % 2 ? 220 : 40};
}

Rgb pixel_at(const Raster& r, std::int64_t x, std::int64_t y) {
  const std::uint8_t* p = r.row(y) + x * r.bands;
  if (r.bands < 3) return {p[0], p[0], p[0]};
  return {p[0], p[1], p[2]};
}

int alpha_at(const Raster& r, std::int64_t x, std::int64_t y) {
  if (r.bands != 2 && r.bands != 4) return 255;
  return r.row(y)[x * r.bands + r.bands - 1];
}

bool near(const Rgb& a, const Rgb& b, int tolerance) {
  return std::abs(a.r - b.r) <= tolerance && std::abs(a.g - b.g) <= tolerance &&
         std::abs(a.b - b.b) <= tolerance;
}

std::string to_string(const Rgb& c) {
  // Appends (not "(" + ...): GCC 12 warns falsely about operator+ on a string literal.
  std::string out = "(";
  out += std::to_string(c.r);
  out += ',';
  out += std::to_string(c.g);
  out += ',';
  out += std::to_string(c.b);
  out += ')';
  return out;
}

double luma(const Rgb& c) {
  return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b;
}

GridCheck check_grid(const Raster& got, std::int64_t rx, std::int64_t ry, std::int64_t rw,
                     std::int64_t rh, std::int64_t ow, std::int64_t oh, int tolerance,
                     const Placement& place, const std::function<Rgb(const Rgb&)>& expect) {
  GridCheck out;
  const double sx = static_cast<double>(ow) / static_cast<double>(rw);
  const double sy = static_cast<double>(oh) / static_cast<double>(rh);
  if (grid_square * sx < 6 || grid_square * sy < 6) return out;  // squares too small to sample
  for (int row = 0; row < grid_height / grid_square; ++row)
    for (int col = 0; col < grid_width / grid_square; ++col) {
      const std::int64_t cx = col * grid_square + grid_square / 2;
      const std::int64_t cy = row * grid_square + grid_square / 2;
      if (cx < rx || cx >= rx + rw || cy < ry || cy >= ry + rh) continue;
      double u = (static_cast<double>(cx - rx) + 0.5) * sx;
      double v = (static_cast<double>(cy - ry) + 0.5) * sy;
      if (place) std::tie(u, v) = place(u, v);
      const auto px =
          std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(u)), 0, got.width - 1);
      const auto py =
          std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor(v)), 0, got.height - 1);
      const Rgb want = expect ? expect(grid_colour(col, row)) : grid_colour(col, row);
      const Rgb have = pixel_at(got, px, py);
      ++out.checked;
      if (!near(have, want, tolerance)) {
        if (!out.failed++)
          out.first_failure = "square (" + std::to_string(col) + "," + std::to_string(row) +
                              ") at output (" + std::to_string(px) + "," + std::to_string(py) +
                              "): got " + to_string(have) + ", want " + to_string(want);
      }
    }
  return out;
}

// ---- responses ----

Raster decode_image(const std::string& format, const std::string& bytes) {
  if (format == "jpg") return turbojpeg_decode(bytes).pixels;
  if (format == "png") return libpng_decode(bytes).pixels;
  if (format == "webp") return libwebp_decode(bytes).pixels;
  if (format == "tif") return libtiff_decode(bytes).pixels;
  if (format == "gif") return giflib_decode(bytes).pixels;
  if (format == "avif") return libavif_decode(bytes).pixels;
  throw std::runtime_error("decode_image: no reference decoder for " + format);
}

Raster get_image(std::uint16_t port, const std::string& target,
                 const std::map<std::string, std::string>& headers) {
  const auto r = http_get(port, target, headers);
  INFO(target << " -> " << r.status << " " << r.body.substr(0, 120));
  REQUIRE(r.status == 200);
  return decode_image(target.substr(target.rfind('.') + 1), r.body);
}

std::string link_target(const std::string& link, const std::string& rel) {
  // Entries are "<uri>;rel=\"x\"" separated by commas; URIs are inside angle brackets.
  std::size_t at = 0;
  while ((at = link.find('<', at)) != std::string::npos) {
    const std::size_t close = link.find('>', at);
    if (close == std::string::npos) return "";
    const std::size_t next = link.find('<', close);
    const std::string params =
        link.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1);
    if (params.find("rel=\"" + rel + "\"") != std::string::npos ||
        params.find("rel=" + rel) != std::string::npos)
      return link.substr(at + 1, close - at - 1);
    at = close;
  }
  return "";
}

std::string origin(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

nlohmann::ordered_json get_info(std::uint16_t port, const std::string& target,
                                const std::map<std::string, std::string>& headers) {
  const auto r = http_get(port, target, headers);
  INFO(target << " -> " << r.status << " " << r.body.substr(0, 200));
  REQUIRE(r.status == 200);
  return nlohmann::ordered_json::parse(r.body);
}

HttpResponse iip_get(std::uint16_t port, const std::string& query) {
  return http_get(port, "/fcgi-bin/iipsrv.fcgi?" + query);
}

Raster iip_png(std::uint16_t port, const std::string& query) {
  const auto r = iip_get(port, query);
  INFO(query << " -> " << r.status << " " << r.body.substr(0, 80));
  REQUIRE(r.status == 200);
  REQUIRE(r.header("content-type") == "image/png");
  return decode_image("png", r.body);
}

}  // namespace tessera::testing
