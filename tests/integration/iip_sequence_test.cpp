// IIP image sequences, stacks and data queries over HTTP, against files this test writes: a 3D
// object sequence whose views differ in width (so a tile tells which view was served), a
// multispectral series whose wavelengths differ in value, a 3-page stack, a TIFF whose tile
// data is garbage, and sequences the root must not reach (outside it, behind symlinks).

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "imaging/pyramid_writer.hpp"
#include "tests/integration/fixture.hpp"
#include "tests/support/test_support.hpp"
#include "tests/support/tiff_writer.hpp"

using namespace tessera;
using namespace tessera::testing;

namespace {

constexpr int obj_h[] = {0, 45, 90, 135};
constexpr int obj_v[] = {80, 90};
constexpr int wavelengths[] = {400, 500, 600};
constexpr int ms_width = 100, ms_height = 70;  // 64x64 tiles: partial tiles at the right and foot

std::string angle3(int a) {
  char s[16];
  std::snprintf(s, sizeof s, "%03d", a);
  return s;
}

// Each view of the object has its own width, and one 256x256 tile holds all of it.
TiffSpec obj_spec(int h, int v) {
  TiffSpec s;
  s.width = static_cast<std::uint32_t>(100 + h + 2 * (v - 80));
  s.height = 50;
  s.tile_width = 256;
  s.tile_height = 256;
  return s;
}

// The multispectral series' value at full resolution: every wavelength differs.
int ms_value(int wavelength, std::int64_t x, std::int64_t y) {
  return static_cast<int>((3 * x + 5 * y + 40 * (wavelength - 400) / 100) % 256);
}

TiffSpec stack_spec() {
  TiffSpec s;
  s.width = 80;
  s.height = 60;
  s.images = 3;
  return s;
}

TiffSpec corrupt_spec() {
  TiffSpec s;
  s.width = 128;
  s.height = 128;
  s.compression = COMPRESSION_ADOBE_DEFLATE;
  return s;
}

// Every tile of the file's first page overwritten with bytes no deflate stream starts with; the
// directory stays intact, so the file opens and fails only when its pixels are read.
void spoil_tiles(const std::filesystem::path& path) {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> tiles;
  {
    TIFF* tif = TIFFOpen(path.c_str(), "r");
    REQUIRE(tif);
    std::uint64_t* offsets = nullptr;
    std::uint64_t* counts = nullptr;
    REQUIRE(TIFFGetField(tif, TIFFTAG_TILEOFFSETS, &offsets));
    REQUIRE(TIFFGetField(tif, TIFFTAG_TILEBYTECOUNTS, &counts));
    for (std::uint32_t i = 0; i < TIFFNumberOfTiles(tif); ++i)
      tiles.emplace_back(offsets[i], counts[i]);
    TIFFClose(tif);
  }
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  for (auto [offset, count] : tiles) {
    f.seekp(static_cast<std::streamoff>(offset));
    f << std::string(count, '\xAB');
  }
  REQUIRE(f.good());
}

struct Tree {
  TempDir base;
  std::filesystem::path root = base.path() / "root";
  std::filesystem::path outside = base.path() / "outside";

  Tree() {
    std::filesystem::create_directories(root);
    std::filesystem::create_directories(outside);
    for (int h : obj_h)
      for (int v : obj_v)
        write_tiff(root / ("obj_pyr_" + angle3(h) + "_" + angle3(v) + ".tif"), obj_spec(h, v));
    PyramidOptions o;
    o.tile_width = o.tile_height = 64;  // 100x70 and 50x35: two resolutions
    for (int wl : wavelengths) {
      Raster r(ms_width, ms_height, 1);
      for (std::int64_t y = 0; y < ms_height; ++y)
        for (std::int64_t x = 0; x < ms_width; ++x)
          r.row(y)[x] = static_cast<std::uint8_t>(ms_value(wl, x, y));
      REQUIRE_FALSE(write_pyramid_tiff(root / ("ms_pyr_" + std::to_string(wl) + "_090.tif"), r, o));
    }
    // Files beside the views that are no images: a backup that sorts before ".tif", and a note
    // whose name looks like a view of its own.
    std::ofstream(root / "obj_pyr_090_080.bak") << "not an image";
    std::ofstream(root / "obj_pyr_200_090.txt") << "not an image";
    write_tiff(root / "stack.tif", stack_spec());
    write_tiff(root / "corrupt.tif", corrupt_spec());
    spoil_tiles(root / "corrupt.tif");
    // Sequences the root must not reach: beside it, inside a linked directory, through a link.
    write_tiff(base.path() / "x_pyr_000_090.tif", obj_spec(0, 90));
    write_tiff(outside / "esc_pyr_000_090.tif", obj_spec(0, 90));
    std::filesystem::create_directory_symlink(outside, root / "link");
    std::filesystem::create_symlink(outside / "esc_pyr_000_090.tif", root / "lnk_pyr_000_090.tif");
    std::filesystem::create_symlink(outside / "esc_pyr_000_090.tif", root / "obj_pyr_180_090.tif");
  }
};

const Tree& tree() {
  static Tree t;
  return t;
}

std::unique_ptr<ServerProcess>& server() {
  static auto s = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--root", tree().root.string(), "--threads", "2", "--workers", "2"});
  return s;
}

HttpResponse iip(const std::string& query) {
  return iip_get(server()->port(), query);
}

// The error body iipsrv writes: "Error/<length>:<class> <code> <argument>\r\n".
std::string iip_error(const std::string& text) {
  return "Error/" + std::to_string(text.size()) + ":" + text + "\r\n";
}

void check_error(const std::string& query, unsigned status, const std::string& text) {
  const auto r = iip(query);
  INFO(query << " -> " << r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.body == iip_error(text));
  CHECK(r.header("content-type") == "application/vnd.netfpx");
}

// The width of the (single) JPEG tile a query answers with.
std::int64_t jpeg_width(const std::string& query) {
  const auto r = iip(query);
  INFO(query << " -> " << r.status << " " << r.body.substr(0, 80));
  REQUIRE(r.status == 200);
  REQUIRE(r.header("content-type") == "image/jpeg");
  return decode_jpeg(r.body).width;
}

Raster png(const std::string& query) {
  return iip_png(server()->port(), query);
}

std::string reflectance(double v) {
  char s[64];
  std::snprintf(s, sizeof s, "%f", v);
  return s;
}

std::string spectra_doc(const std::vector<std::pair<std::string, double>>& points) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n";
  for (const auto& [name, v] : points)
    out += "\t<point>\n\t\t<wavelength>" + name + "</wavelength>\n\t\t<reflectance>" +
           reflectance(v) + "</reflectance>\n\t</point>\n";
  return out + "</spectra>";
}

std::string join(const std::vector<int>& v) {
  std::string out;
  for (int a : v) {
    if (!out.empty()) out += ',';
    out += std::to_string(a);
  }
  return out;
}

}  // namespace

TEST_CASE("iip sequences: FIF names a stem, OBJ lists its views", "[iip][sequence]") {
  const auto r = iip("FIF=obj&OBJ=IIP,1.0&OBJ=Horizontal-views&OBJ=Vertical-views");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/vnd.netfpx");
  CHECK(r.body == "IIP:1.0\r\nHorizontal-views:0 45 90 135\r\nVertical-views:80 90\r\n");
  // The default view is the first horizontal angle at vertical 90.
  const TiffSpec first = obj_spec(0, 90);
  CHECK(iip("FIF=obj&OBJ=Max-size").body ==
        "\r\nMax-size:" + std::to_string(first.width) + " 50\r\n");
  CHECK(jpeg_width("FIF=obj&JTL=0,0") == first.width);
  // The tile's pixels are that file's.
  const Raster p = png("FIF=obj&PTL=0,0");
  REQUIRE(p.width == first.width);
  int bad = 0;
  for (std::int64_t y = 0; y < p.height; ++y)
    for (std::int64_t x = 0; x < p.width; ++x)
      bad += p.row(y)[x] != written_value(first, 0, 0, x, y, 0);
  CHECK(bad == 0);
  // The multispectral series: its wavelengths are the horizontal views.
  CHECK(iip("FIF=ms&OBJ=Horizontal-views&OBJ=Vertical-views&OBJ=Resolution-number").body ==
        "\r\nHorizontal-views:400 500 600\r\nVertical-views:90\r\nResolution-number:2\r\n");
}

TEST_CASE("iip sequences: SDS and JTLS select the view", "[iip][sequence]") {
  for (int h : obj_h)
    for (int v : obj_v) {
      const std::string sds = std::to_string(h) + "," + std::to_string(v);
      CHECK(jpeg_width("FIF=obj&SDS=" + sds + "&JTL=0,0") == obj_spec(h, v).width);
      CHECK(jpeg_width("FIF=obj&JTLS=" + std::to_string(h) + ",0,0," + std::to_string(v)) ==
            obj_spec(h, v).width);
    }
  CHECK(png("FIF=obj&SDS=45,80&CVT=png").width == obj_spec(45, 80).width);
  check_error("FIF=obj&SDS=200,90&JTL=0,0", 404, "2 4 SDS");  // only a .txt has that name
  // SDS=x alone keeps the current vertical angle (there is no view at vertical 0).
  CHECK(jpeg_width("FIF=obj&SDS=45&JTL=0,0") == obj_spec(45, 90).width);
  CHECK(jpeg_width("FIF=obj&SDS=45,80&SDS=90&JTL=0,0") == obj_spec(90, 80).width);
  // The last selection wins; FIF starts over at the default view.
  CHECK(jpeg_width("FIF=obj&SDS=45,80&SDS=135,90&JTL=0,0") == obj_spec(135, 90).width);
  CHECK(jpeg_width("FIF=obj&SDS=45,80&FIF=obj&JTL=0,0") == obj_spec(0, 90).width);

  check_error("FIF=obj&SDS=30,90&JTL=0,0", 404, "2 4 SDS");
  check_error("FIF=obj&SDS=45,85&JTL=0,0", 404, "2 4 SDS");
  check_error("FIF=obj&JTLS=30,0,0,90", 404, "2 4 JTLS");
  check_error("SDS=45,80&FIF=obj&JTL=0,0", 400, "1 3 45,80");
  check_error("FIF=obj&SDS=a,b&JTL=0,0", 400, "2 3 SDS");
  // A single file has one view: the angles are ignored.
  CHECK(jpeg_width("FIF=obj_pyr_045_080.tif&SDS=5,90&JTL=0,0") == obj_spec(45, 80).width);
}

TEST_CASE("iip sequences: SPECTRA reads one point of every wavelength", "[iip][sequence]") {
  auto expect = [](std::int64_t px, std::int64_t py) {
    std::vector<std::pair<std::string, double>> points;
    for (int wl : wavelengths)
      points.emplace_back(std::to_string(wl), ms_value(wl, px, py) / 255.0);
    return spectra_doc(points);
  };
  // Resolution 1 is the full 100x70 image: a 2x2 grid of 64x64 tiles.
  auto r = iip("FIF=ms&SPECTRA=1,0,3,2");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/xml");
  CHECK(r.body == expect(3, 2));
  CHECK(iip("FIF=ms&SPECTRA=1,1,7,9").body == expect(64 + 7, 9));
  CHECK(iip("FIF=ms&SPECTRA=1,3,3,2").body == expect(64 + 3, 64 + 2));  // the partial corner tile
  CHECK(iip("FIF=ms&SPECTRA=1,3,35,5").body == expect(99, 69));         // its last pixel
  // Inside the nominal tile but beyond the partial edge tile's pixels: no points.
  CHECK(iip("FIF=ms&SPECTRA=1,3,40,2").body == spectra_doc({}));
  CHECK(iip("FIF=ms&SPECTRA=1,2,3,10").body == spectra_doc({}));
  // The series is read at the current vertical angle, whatever horizontal view SDS showed.
  CHECK(iip("FIF=ms&SDS=500,90&SPECTRA=1,0,3,2").body == expect(3, 2));

  check_error("FIF=ms&SPECTRA=1,0,64,2", 400, "2 3 SPECTRA");
  check_error("FIF=ms&SPECTRA=1,0,2,64", 400, "2 3 SPECTRA");
  check_error("FIF=ms&SPECTRA=2,0,0,0", 400, "2 3 SPECTRA");
  check_error("FIF=ms&SPECTRA=1,0,3", 400, "2 3 SPECTRA");
  check_error("FIF=ms&SPECTRA=1,4,0,0", 404, "2 4 SPECTRA");
  check_error("SPECTRA=1,0,3,2", 400, "1 3 1,0,3,2");
}

TEST_CASE("iip sequences: PFL profiles of an image and of a series", "[iip][sequence]") {
  const TiffSpec single = obj_spec(0, 90);
  const std::string fif = "FIF=obj_pyr_000_090.tif&";
  auto samples = [&](std::int64_t x0, std::int64_t y0, std::int64_t dx, std::int64_t dy, int n) {
    std::vector<int> v;
    for (int i = 0; i < n; ++i)
      v.push_back(static_cast<int>(written_value(single, 0, 0, x0 + i * dx, y0 + i * dy, 0)));
    return "{\n\t\"profile\": [" + join(v) + "]\n}";
  };
  auto r = iip(fif + "PFL=0:3,2-7,2");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.body == samples(3, 2, 1, 0, 4));
  CHECK(iip(fif + "PFL=0:3,2-3,5").body == samples(3, 2, 0, 1, 3));         // vertical
  CHECK(iip(fif + "PFL=0:3,2").body == samples(3, 2, 0, 0, 1));             // one point
  CHECK(iip(fif + "PFL=0:3,2-1,1").body == samples(3, 2, 0, 0, 1));         // neither: the start
  CHECK(iip(fif + "PFL=0:0,49-120,49").body == samples(0, 49, 1, 0, 120));  // a whole row

  // A series: one array per wavelength, read at full resolution (1).
  auto series = [](std::int64_t x0, std::int64_t y0, std::int64_t dx, std::int64_t dy, int n) {
    std::string out = "{\n\t\"profile\": {\n";
    for (int wl : wavelengths) {
      std::vector<int> v;
      for (int i = 0; i < n; ++i) v.push_back(ms_value(wl, x0 + i * dx, y0 + i * dy));
      out += "\t\t\"" + std::to_string(wl) + "\": [" + join(v) + "]" + (wl == 600 ? "\n" : ",\n");
    }
    return out + "\t}\n}";
  };
  r = iip("FIF=ms&PFL=1:3,2-7,2");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.body == series(3, 2, 1, 0, 4));
  CHECK(iip("FIF=ms&PFL=1:3,2-3,5").body == series(3, 2, 0, 1, 3));
  CHECK(iip("FIF=ms&PFL=1:99,69").body == series(99, 69, 0, 0, 1));
  // The object's views share their values near the origin: one array per horizontal angle.
  std::string obj = "{\n\t\"profile\": {\n";
  for (int h : obj_h) {
    std::vector<int> v;
    for (int x = 3; x < 7; ++x)
      v.push_back(static_cast<int>(written_value(obj_spec(h, 90), 0, 0, x, 2, 0)));
    obj += "\t\t\"" + std::to_string(h) + "\": [" + join(v) + "]" + (h == 135 ? "\n" : ",\n");
  }
  CHECK(iip("FIF=obj&PFL=0:3,2-7,2").body == obj + "\t}\n}");

  check_error(fif + "PFL=0:300,2", 400, "2 3 PFL");
  check_error(fif + "PFL=0:3,50", 400, "2 3 PFL");
  check_error(fif + "PFL=0:3,2-300,2", 400, "2 3 PFL");
  check_error(fif + "PFL=0:3,2-3,51", 400, "2 3 PFL");
  check_error(fif + "PFL=1:3,2", 400, "2 3 PFL");
  check_error(fif + "PFL=0:-1,2", 400, "2 3 PFL");
  check_error(fif + "PFL=0:3", 400, "2 3 PFL");
  check_error("FIF=ms&PFL=1:100,0", 400, "2 3 PFL");
}

TEST_CASE("iip sequences: a stack's pages are its views", "[iip][sequence]") {
  const TiffSpec spec = stack_spec();
  // 80x60 in 64x64 tiles: a computed 40x30 level below it, so resolution 1 is the full page.
  CHECK(iip("FIF=stack.tif&OBJ=Horizontal-views&OBJ=Resolution-number").body ==
        "\r\nHorizontal-views:0 1 2\r\nResolution-number:2\r\n");
  for (int page = 0; page < 3; ++page) {
    const Raster p = png("FIF=stack.tif&SDS=" + std::to_string(page) + "&PTL=1,1");  // x 64..79
    INFO("page " << page);
    REQUIRE(p.width == 16);
    REQUIRE(p.height == 60);
    int bad = 0;
    for (std::int64_t y = 0; y < p.height; ++y)
      for (std::int64_t x = 0; x < p.width; ++x)
        bad += p.row(y)[x] != written_value(spec, page, 0, 64 + x, y, 0);
    CHECK(bad == 0);
  }
  check_error("FIF=stack.tif&SDS=3&JTL=0,0", 404, "2 4 SDS");
  check_error("FIF=stack.tif&SDS=-1&JTL=0,0", 404, "2 4 SDS");
  std::vector<std::pair<std::string, double>> points;
  for (int page = 0; page < 3; ++page)
    points.emplace_back(std::to_string(page), written_value(spec, page, 0, 64 + 5, 7, 0) / 255.0);
  const auto r = iip("FIF=stack.tif&SPECTRA=1,1,5,7");
  REQUIRE(r.status == 200);
  CHECK(r.body == spectra_doc(points));
}

TEST_CASE("iip sequences: an unreadable tile is an IIP error, and the server goes on",
          "[iip][sequence]") {
  for (const char* q :
       {"FIF=corrupt.tif&JTL=0,0", "FIF=corrupt.tif&PTL=1,3", "FIF=corrupt.tif&WID=50&CVT=jpeg",
        "FIF=corrupt.tif&PFL=1:3,2-9,2", "FIF=corrupt.tif&SPECTRA=1,0,1,1"}) {
    const auto r = iip(q);
    INFO(q << " -> " << r.status << " " << r.body);
    CHECK((r.status >= 500 || r.status == 404));
    CHECK(r.header("content-type") == "application/vnd.netfpx");
    CHECK(r.body.starts_with("Error/"));
    CHECK(r.body.find(tree().root.string()) == std::string::npos);
  }
  // The directory opened, so OBJ answers; other images still render.
  CHECK(iip("FIF=corrupt.tif&OBJ=Max-size").body == "\r\nMax-size:128 128\r\n");
  CHECK(jpeg_width("FIF=obj&SDS=90,80&JTL=0,0") == obj_spec(90, 80).width);
}

TEST_CASE("iip sequences: stems cannot leave the root", "[iip][sequence]") {
  // Each of these names a real sequence, but outside the root or through a link leaving it.
  REQUIRE(std::filesystem::exists(tree().base.path() / "x_pyr_000_090.tif"));
  const std::string outside = tree().outside.string();
  std::string encoded;
  for (char c : outside) encoded += c == '/' ? std::string("%2F") : std::string(1, c);
  const std::vector<std::string> queries{"FIF=../x&OBJ=Max-size",
                                         "FIF=..%2Fx&JTL=0,0",
                                         "FIF=%2Fetc%2Fpasswd&OBJ=Max-size",
                                         "FIF=link/esc&OBJ=Max-size",
                                         "FIF=link%2Fesc&JTL=0,0",
                                         "FIF=lnk&OBJ=Max-size",
                                         "FIF=lnk&JTL=0,0",
                                         "FIF=./../x&JTL=0,0",
                                         "FIF=sub/../../x&OBJ=Max-size",
                                         "FIF=" + encoded + "%2Fesc&OBJ=Max-size"};
  for (const std::string& q : queries) {
    const auto r = iip(q);
    INFO(q << " -> " << r.status << " " << r.body);
    CHECK(r.status == 404);
    CHECK(r.body == iip_error("1 1 FIF"));
    CHECK(r.body.find(tree().base.path().string()) == std::string::npos);
  }
  // A view that links outside is no view: obj_pyr_180_090.tif is not listed, nor shown.
  CHECK(iip("FIF=obj&OBJ=Horizontal-views").body == "\r\nHorizontal-views:0 45 90 135\r\n");
  check_error("FIF=obj&SDS=180,90&JTL=0,0", 404, "2 4 SDS");
  check_error("FIF=obj_pyr_180_090.tif&JTL=0,0", 404, "1 1 FIF");
}

TEST_CASE("iip sequences: a data answer changes when any file of the series does",
          "[iip][sequence]") {
  TempDir dir;
  auto write = [&](int wl, std::uint8_t value) {
    Raster r(8, 8, 1);
    std::fill(r.data.begin(), r.data.end(), value);
    REQUIRE_FALSE(write_pyramid_tiff(dir.path() / ("s_pyr_" + std::to_string(wl) + "_090.tif"), r));
  };
  write(400, 51);
  write(500, 102);
  ServerProcess local({"--root", dir.path().string()});
  const std::string target = "/iip?FIF=s&SPECTRA=0,0,1,1";
  const auto first = http_get(local.port(), target);
  REQUIRE(first.status == 200);
  CHECK(first.body == spectra_doc({{"400", 0.2}, {"500", 0.4}}));
  const std::string etag = first.header("etag");
  REQUIRE_FALSE(etag.empty());
  CHECK(http_get(local.port(), target, {{"If-None-Match", etag}}).status == 304);

  // Not the file FIF's view shows (400), but another wavelength's.
  write(500, 153);
  std::filesystem::last_write_time(
      dir.path() / "s_pyr_500_090.tif",
      std::filesystem::last_write_time(dir.path() / "s_pyr_500_090.tif") + std::chrono::seconds(5));
  const auto second = http_get(local.port(), target, {{"If-None-Match", etag}});
  REQUIRE(second.status == 200);
  CHECK(second.body == spectra_doc({{"400", 0.2}, {"500", 0.6}}));
}
