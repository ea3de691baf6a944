// IIP's parsing layer: the query split, every command's argument syntax, and the error form.

#include <catch2/catch.hpp>

#include "protocols/iip/command.hpp"

using namespace tessera;
using namespace tessera::iip;

namespace {

std::vector<Command> parse(std::string_view q) {
  std::vector<Command> out;
  REQUIRE_FALSE(parse_query(q, out).has_value());
  return out;
}

}  // namespace

TEST_CASE("iip query: order, case, decoding and dropped parts", "[iip]") {
  const auto c = parse("FIF=a%20b.tif&jtl=3,5&OBJ=IIP,1.0&INV&CNT=&=x&&Gam=2");
  REQUIRE(c.size() == 5);
  CHECK(c[0].name == "fif");
  CHECK(c[0].raw_name == "FIF");
  CHECK(c[0].value == "a b.tif");
  CHECK(c[1].name == "jtl");
  CHECK(c[1].value == "3,5");
  CHECK(c[2].value == "IIP,1.0");
  CHECK(c[3].name == "inv");  // bare name: kept, its text as value (iipsrv)
  CHECK(c[4].name == "gam");
  CHECK(c[4].raw_name == "Gam");
  CHECK(parse("").empty());
}

TEST_CASE("iip query: bounds and bad escapes are errors", "[iip]") {
  std::string many;
  for (int i = 0; i < 65; ++i) many += "INV=1&";
  std::vector<Command> out;
  auto e = parse_query(many, out);
  REQUIRE(e);
  CHECK(e->status == 400);
  CHECK(format_error(*e) == "Error/5:2 5 -\r\n");
  out.clear();
  CHECK(parse_query("FIF=" + std::string(5000, 'a'), out).has_value());
  out.clear();
  CHECK(parse_query("FIF=%zz", out).has_value());
}

TEST_CASE("iip errors: length is that of the text after the colon", "[iip]") {
  CHECK(format_error({2, 2, "FOO", 400}) == "Error/7:2 2 FOO\r\n");
  CHECK(format_error({1, 3, "basic-info", 400}) == "Error/14:1 3 basic-info\r\n");
  // No truncation at 31 bytes (iipsrv's buffer).
  const std::string q = "FIF=rgb.tif&OBJ=summary-info&OBJ=title";
  CHECK(format_error({2, 1, q, 400}) ==
        "Error/" + std::to_string(4 + q.size()) + ":2 1 " + q + "\r\n");
  CHECK(bad_argument("JTL").status == 400);
  CHECK(out_of_range("JTL").status == 404);
}

TEST_CASE("iip tile arguments", "[iip]") {
  auto t = parse_tile("3,5");
  REQUIRE(t);
  CHECK(t->resolution == 3);
  CHECK(t->tile == 5);
  CHECK_FALSE(parse_tile("3"));
  CHECK_FALSE(parse_tile("-1,0"));
  CHECK_FALSE(parse_tile("0,-1"));
  CHECK_FALSE(parse_tile("abc,1"));
  CHECK_FALSE(parse_tile("1,2,3"));
  auto j = parse_jtls("10,2,7,90");
  REQUIRE(j);
  CHECK(j->horizontal == 10);
  CHECK(j->vertical == 90);
  CHECK(j->tile.resolution == 2);
  CHECK(j->tile.tile == 7);
  CHECK_FALSE(parse_jtls("1,2,3"));
}

TEST_CASE("iip region, rotation and sizes", "[iip]") {
  auto r = parse_region("0.9,0.9,0.5,0.5");
  REQUIRE(r);
  CHECK(r->x == Approx(0.9));
  CHECK(r->w == Approx(0.5));
  auto clamped = parse_region("-1,0,2,1");
  REQUIRE(clamped);
  CHECK(clamped->x == 0);
  CHECK(clamped->w == 1);
  CHECK_FALSE(parse_region("0,0,0,1"));
  CHECK_FALSE(parse_region("0,0,1"));
  CHECK_FALSE(parse_region("a,0,1,1"));

  auto rot = parse_rotation("90");
  REQUIRE(rot);
  CHECK(rot->degrees == 90);
  CHECK_FALSE(rot->mirror);
  auto flip = parse_rotation("!180");
  REQUIRE(flip);
  CHECK(flip->mirror);
  CHECK(flip->degrees == 180);
  CHECK(parse_rotation("-90")->degrees == 270);
  CHECK(parse_rotation("450")->degrees == 90);
  CHECK(parse_rotation("45.5")->degrees == 45.5);
  CHECK_FALSE(parse_rotation("x"));

  CHECK(parse_size("300") == 300);
  CHECK_FALSE(parse_size("0"));
  CHECK_FALSE(parse_size("-5"));
  CHECK_FALSE(parse_size("12px"));
  CHECK_FALSE(parse_size("99999999"));
}

TEST_CASE("iip quality: plain and with a TIFF compression", "[iip]") {
  EncodeOptions base;
  auto q = parse_quality("90", base);
  REQUIRE(q);
  CHECK(q->jpeg_quality == 90);
  CHECK(q->webp_quality == 90);
  CHECK(q->avif_quality == 90);
  CHECK(q->png_compression == 9);
  CHECK(q->tiff_compression == base.tiff_compression);
  auto lzw = parse_quality("LZW:5", base);
  REQUIRE(lzw);
  CHECK(lzw->tiff_compression == TiffCompression::lzw);
  CHECK(lzw->png_compression == 5);
  CHECK(parse_quality("jpeg:80", base)->tiff_compression == TiffCompression::jpeg);
  CHECK(parse_quality("zstd:1", base)->tiff_compression == base.tiff_compression);
  CHECK_FALSE(parse_quality("101", base));
  CHECK_FALSE(parse_quality("gzip:5", base));
  CHECK_FALSE(parse_quality("high", base));
}

TEST_CASE("iip tone arguments: CNT, GAM, MINMAX, CMP", "[iip]") {
  CHECK(parse_contrast("2.5")->mode == ContrastMode::multiply);
  CHECK(parse_contrast("2.5")->factor == 2.5);
  CHECK(parse_contrast("1.0")->mode == ContrastMode::none);
  CHECK(parse_contrast("EQ")->mode == ContrastMode::equalise);
  CHECK(parse_contrast("equalization")->mode == ContrastMode::equalise);
  CHECK(parse_contrast("st")->mode == ContrastMode::stretch);
  CHECK(parse_contrast("Stretch")->mode == ContrastMode::stretch);
  CHECK_FALSE(parse_contrast("much"));
  CHECK_FALSE(parse_contrast("-1"));

  CHECK(parse_gamma("2")->mode == GammaMode::power);
  CHECK(parse_gamma("2")->exponent == 2);
  CHECK(parse_gamma("1")->mode == GammaMode::none);
  CHECK(parse_gamma("log")->mode == GammaMode::log);
  CHECK(parse_gamma("Logarithm")->mode == GammaMode::log);
  CHECK_FALSE(parse_gamma("0"));
  CHECK_FALSE(parse_gamma("x"));

  auto m = parse_minmax("2:10,200.5");
  REQUIRE(m);
  CHECK(m->band == 2);
  CHECK(m->min == 10);
  CHECK(m->max == 200.5);
  CHECK(parse_minmax("-:0,1")->band == -1);
  CHECK_FALSE(parse_minmax("0:1"));
  CHECK_FALSE(parse_minmax("10,20"));
  CHECK_FALSE(parse_minmax("a:1,2"));

  CHECK(parse_colormap("HOT") == Colormap::hot);
  CHECK(parse_colormap("cold") == Colormap::cold);
  CHECK(parse_colormap("jet") == Colormap::jet);
  CHECK(parse_colormap("Blue") == Colormap::blue);
  CHECK(parse_colormap("green") == Colormap::green);
  CHECK(parse_colormap("red") == Colormap::red);
  CHECK_FALSE(parse_colormap("viridis"));
}

TEST_CASE("iip band and filter arguments: CTW, SHD, COL, CNV, LYR, SDS, CVT", "[iip]") {
  auto t = parse_twist("[0.3,0.3,0.3]");
  REQUIRE(t);
  CHECK(t->rows == 1);
  CHECK(t->cols == 3);
  auto t3 = parse_twist("[0,0,1;0,1,0;1,0,0]");
  REQUIRE(t3);
  CHECK(t3->rows == 3);
  CHECK(t3->coefficients == std::vector<double>{0, 0, 1, 0, 1, 0, 1, 0, 0});
  auto t2 = parse_twist("[1,0;0,1]");
  REQUIRE(t2);
  CHECK(t2->rows == 3);  // padded with a zero row
  CHECK(t2->coefficients == std::vector<double>{1, 0, 0, 1, 0, 0});
  CHECK_FALSE(parse_twist("[1;1;1;1]"));
  CHECK_FALSE(parse_twist("[a]"));

  auto h = parse_shade("90,30");
  REQUIRE(h);
  CHECK(h->enabled);
  CHECK(h->azimuth == 90);
  CHECK(h->elevation == 30);
  CHECK(parse_shade("-90,30")->azimuth == 270);
  CHECK_FALSE(parse_shade("90"));
  CHECK_FALSE(parse_shade("90,120"));

  CHECK(parse_colour("grey") == Quality::grey);
  CHECK(parse_colour("GRAY") == Quality::grey);
  CHECK(parse_colour("binary") == Quality::bitonal);
  CHECK_FALSE(parse_colour("sepia"));

  auto k = parse_kernel("sobel");
  REQUIRE(k);
  CHECK(k->size == 3);
  CHECK(parse_kernel("[Gaussian]")->size == 3);
  auto custom = parse_kernel("[0,0,0,0,1,0,0,0,0]");
  REQUIRE(custom);
  CHECK(custom->weights[4] == 1);
  CHECK(parse_kernel("[1]")->size == 1);
  CHECK(
      parse_kernel(std::string("[") + "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]")->size ==
      5);
  CHECK_FALSE(parse_kernel("[1,2,3,4]"));
  CHECK_FALSE(parse_kernel("blur"));

  CHECK(parse_layers("1") == 1);
  CHECK(parse_layers("256") == 256);
  CHECK_FALSE(parse_layers("0"));
  CHECK_FALSE(parse_layers("257"));

  auto sds = parse_sds("3");
  REQUIRE(sds);
  CHECK(sds->horizontal == 3);
  CHECK(sds->vertical == 0);
  CHECK(parse_sds("10,90")->vertical == 90);
  CHECK_FALSE(parse_sds("1,2,3"));
  CHECK_FALSE(parse_sds("x"));

  REQUIRE(parse_format("JPEG"));
  CHECK(parse_format("jpeg")->mime_type == "image/jpeg");
  CHECK(parse_format("jpg")->mime_type == "image/jpeg");
  CHECK(parse_format("png")->mime_type == "image/png");
  CHECK(parse_format("tiff")->mime_type == "image/tiff");
  CHECK(parse_format("webp")->mime_type == "image/webp");
  CHECK_FALSE(parse_format("bmp"));
}
