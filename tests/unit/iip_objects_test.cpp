// IIP OBJ responses: iipsrv's exact text for each object, from a hand-made ImageInfo.

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "protocols/iip/objects.hpp"

using namespace tessera;
using namespace tessera::iip;

namespace {

// 1500x1000 RGB, 256x256 tiles, 4 levels: the image the iipsrv 1.1 answers below came from.
ImageInfo rgb_info() {
  ImageInfo info;
  for (auto [w, h] : {std::pair{1500, 1000}, {750, 500}, {375, 250}, {188, 125}})
    info.levels.push_back({w, h, 256, 256, true});
  info.bands = 3;
  info.min_values = {0, 0, 0};
  info.max_values = {255, 255, 255};
  return info;
}

std::string text_of(std::initializer_list<std::string_view> objects, const ImageInfo* info,
                    bool swapped = false) {
  ObjContext c;
  c.info = info;
  c.swapped = swapped;
  ObjBody b;
  for (auto o : objects) REQUIRE_FALSE(append_object(o, c, b).has_value());
  return b.text();
}

}  // namespace

TEST_CASE("iip objects: basic-info and the protocol line as iipsrv 1.1", "[iip]") {
  const ImageInfo info = rgb_info();
  CHECK(text_of({"iip,1.0", "basic-info"}, &info) ==
        "IIP:1.0\r\nIIP-server:3.65\r\nMax-size:1500 1000\r\nResolution-number:4\r\n"
        "Colorspace,0-3,0:0 0 3 3 0 1 2\r\n");
  // Without IIP,1.0 the body starts with a bare CRLF; its position does not matter.
  CHECK(text_of({"max-size"}, &info) == "\r\nMax-size:1500 1000\r\n");
  CHECK(text_of({"max-size", "iip,1.0"}, &info) == "IIP:1.0\r\nMax-size:1500 1000\r\n");
  CHECK(text_of({"max-size"}, &info, true) == "\r\nMax-size:1000 1500\r\n");
}

TEST_CASE("iip objects: every descriptive line", "[iip]") {
  ImageInfo info = rgb_info();
  CHECK(text_of({"tile-size", "resolution-number", "bits-per-channel"}, &info) ==
        "\r\nTile-size:256 256\r\nResolution-number:4\r\nBits-per-channel:8\r\n");
  CHECK(text_of({"min-max-sample-values"}, &info) ==
        "\r\nMin-Max-sample-values: 0  255  0  255  0  255\r\n");
  CHECK(text_of({"resolutions"}, &info) == "\r\nResolutions:188 125,375 250,750 500,1500 1000\r\n");
  CHECK(text_of({"horizontal-views", "vertical-views"}, &info) ==
        "\r\nHorizontal-views:0\r\nVertical-views:90\r\n");
  CHECK(text_of({"colorspace,0-3,0"}, &info) == "\r\nColorspace,0-3,0:0 0 3 3 0 1 2\r\n");
  info.colour = ColourSpace::grey;
  CHECK(text_of({"colorspace,*"}, &info) == "\r\nColorspace,0-3,0:0 0 1 1 0\r\n");
  info.colour = ColourSpace::cielab;
  CHECK(text_of({"colorspace"}, &info) == "\r\nColorspace,0-3,0:1 0 4 3 0 1 2\r\n");
  CHECK(text_of({"dpi"}, &info) == "\r\n");  // no line without a resolution
  info.dpi_x = 300;
  info.dpi_y = 150.5;
  CHECK(text_of({"dpi"}, &info) == "\r\nDPI:300.000000 150.500000\r\n");
  info.bands = 1;
  info.min_values = {-1.5};
  info.max_values = {1e10};
  CHECK(text_of({"min-max-sample-values"}, &info) == "\r\nMin-Max-sample-values: -1.5  1e+10\r\n");
  CHECK(text_of({"iip-opt-obj"}, nullptr) ==
        "\r\nIIP-opt-obj:Horizontal-views Vertical-views Tile-size Bits-per-channel "
        "Min-Max-sample-values Resolutions\r\n");
  const std::string comm = text_of({"iip-opt-comm"}, nullptr);
  CHECK(comm.starts_with("\r\nIIP-opt-comm:FIF OBJ CVT JTL"));
  CHECK(comm.find(" SPECTRA\r\n") != std::string::npos);
}

TEST_CASE("iip objects: metadata values, JSON and unknown objects", "[iip]") {
  ImageInfo info = rgb_info();
  info.metadata = {{"title", "A title"}, {"creator", "Someone"}, {"rights", "CC0"}};
  ObjContext c;
  c.info = &info;
  ObjBody b;
  REQUIRE_FALSE(append_object("title", c, b));
  CHECK(b.content_type == "text/plain");
  CHECK(b.text() == "A title\r\n");
  ObjBody old;
  REQUIRE_FALSE(append_object("author", c, old));  // iipsrv 1.1's name for creator
  CHECK(old.text() == "Someone\r\n");
  ObjBody empty;
  REQUIRE_FALSE(append_object("software", c, empty));
  CHECK_FALSE(empty.produced());
  ObjBody summary;
  REQUIRE_FALSE(append_object("summary-info", c, summary));
  CHECK(summary.text() == "CC0\r\nSomeone\r\n");

  ObjBody json;
  REQUIRE_FALSE(append_object("metadata", c, json));
  CHECK(json.content_type == "application/json");
  CHECK(json.text() ==
        "{ \n\t\"creator\": \"Someone\",\n\t\"rights\": \"CC0\",\n\t\"title\": \"A title\"\n}");
  // Free text is escaped: the document stays JSON whatever a tag holds.
  info.metadata = {{"title", "say \"hi\"\\ \n\t\x01 \xff"}};
  ObjBody escaped;
  REQUIRE_FALSE(append_object("metadata", c, escaped));
  const auto doc = nlohmann::json::parse(escaped.text());
  CHECK(doc["title"].get<std::string>().starts_with("say \"hi\"\\ \n\t\x01 "));
  info.metadata.clear();
  ObjBody none;
  REQUIRE_FALSE(append_object("metadata", c, none));
  CHECK(none.text() == "{\n}");

  c.stack_names = {"a\"", "b"};
  ObjBody stack;
  REQUIRE_FALSE(append_object("stack", c, stack));
  CHECK(
      stack.text() ==
      "[ \n\t{\n\t\t\"id\": 0,\n\t\t\"name\": \"a\\\"\",\n\t\t\"scale\": 1\n\t},\n\t{\n\t\t\"id\": "
      "1,\n\t\t\"name\": \"b\",\n\t\t\"scale\": 1\n\t}\n]");

  ObjBody bad;
  auto e = append_object("bogus", c, bad);
  REQUIRE(e);
  CHECK(format_error(*e) == "Error/9:3 2 bogus\r\n");
  ObjContext no_image;
  auto need = append_object("basic-info", no_image, bad);
  REQUIRE(need);
  CHECK(format_error(*need) == "Error/14:1 3 basic-info\r\n");
}
