#include "protocols/iip/objects.hpp"

#include <array>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace tessera::iip {
namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string join(const std::vector<int>& v) {
  std::string out;
  for (int a : v) {
    if (!out.empty()) out += ' ';
    out += std::to_string(a);
  }
  return out;
}

void line(ObjBody& b, std::string_view key, const std::string& value) {
  b.lines.append(key).append(":").append(value).append("\r\n");
}

// iipsrv's master names, and its 1.1 names for the same tags.
struct MetadataName {
  std::string_view request;
  std::string_view key;  // in ImageInfo::metadata
};
constexpr std::array<MetadataName, 13> metadata_names{{{"rights", "rights"},
                                                       {"copyright", "rights"},
                                                       {"title", "title"},
                                                       {"description", "description"},
                                                       {"subject", "description"},
                                                       {"creator", "creator"},
                                                       {"author", "creator"},
                                                       {"date", "date"},
                                                       {"create-dtm", "date"},
                                                       {"software", "software"},
                                                       {"app-name", "software"},
                                                       {"make", "make"},
                                                       {"model", "model"}}};
// Names iipsrv knows that TIFF files never fill: answered with nothing.
constexpr std::array<std::string_view, 8> empty_names{"keywords",      "comment",   "last-author",
                                                      "rev-number",    "edit-time", "last-printed",
                                                      "last-save-dtm", "scale"};

std::string_view lookup(const ImageInfo& info, std::string_view key) {
  auto it = info.metadata.find(std::string(key));
  return it == info.metadata.end() ? std::string_view{} : std::string_view(it->second);
}

// A metadata value switches the response to text (iipsrv master).
void raw_value(ObjBody& b, std::string_view value, std::string_view type) {
  if (value.empty()) return;
  b.lines.append(value).append("\r\n");
  b.content_type = std::string(type);
}

std::string colorspace(const ImageInfo& info) {
  const std::size_t n = info.levels.size();
  std::string key = "Colorspace,0-" + std::to_string(n == 0 ? 0 : n - 1) + ",0";
  std::string value = "0 0 3 3 0 1 2";  // RGB, and iipsrv's answer for anything else
  if (info.colour == ColourSpace::grey) value = "0 0 1 1 0";
  if (info.colour == ColourSpace::cielab) value = "1 0 4 3 0 1 2";
  return key + ":" + value + "\r\n";
}

// A JSON string, escaped (tags are free text: quotes, backslashes, control characters; invalid
// UTF-8 is replaced rather than refused).
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string metadata_json(const ImageInfo& info) {
  std::string out = "{ ";
  for (const auto& [k, v] : info.metadata) {  // std::map: sorted keys
    if (v.empty() || k == "icc" || k == "xmp") continue;
    out += "\n\t" + json_string(k) + ": " + json_string(v) + ",";
  }
  out.pop_back();  // the last comma, or the space after "{"
  return out + "\n}";
}

std::string stack_json(const std::vector<std::string>& names) {
  std::string out = "[ ";
  for (std::size_t i = 0; i < names.size(); ++i)
    out += "\n\t{\n\t\t\"id\": " + std::to_string(i) + ",\n\t\t\"name\": " + json_string(names[i]) +
           ",\n\t\t\"scale\": 1\n\t},";
  out.pop_back();
  return out + "\n]";
}

}  // namespace

std::string ObjBody::text() const {
  if (content_type != netfpx) return lines;
  return (protocol ? "IIP:1.0\r\n" : "\r\n") + lines;
}

std::string_view served_commands() {
  return "FIF OBJ CVT JTL JTLS PTL WTL TTL ATL WID HEI RGN ROT QLT SDS CNT GAM MINMAX CMP INV "
         "CTW SHD COL CNV LYR PFL SPECTRA";
}

bool server_object(std::string_view o) {
  return o == "iip,1.0" || o == "iip-server" || o == "iip-opt-comm" || o == "iip-opt-obj";
}

std::optional<IipError> append_object(std::string_view o, const ObjContext& c, ObjBody& b) {
  if (o == "iip,1.0") {
    b.protocol = true;
    return std::nullopt;
  }
  if (o == "iip-server") return line(b, "IIP-server", "3.65"), std::nullopt;
  if (o == "iip-opt-comm")
    return line(b, "IIP-opt-comm", std::string(served_commands())), std::nullopt;
  if (o == "iip-opt-obj")
    return line(b, "IIP-opt-obj",
                "Horizontal-views Vertical-views Tile-size Bits-per-channel "
                "Min-Max-sample-values Resolutions"),
           std::nullopt;
  const IipError unknown{3, 2, std::string(o), 400};
  if (!c.info) return IipError{1, 3, std::string(o), 400};
  const ImageInfo& info = *c.info;
  const std::int64_t w = info.width(), h = info.height();

  if (o == "basic-info") {
    for (std::string_view part : {"iip-server", "max-size", "resolution-number", "colorspace"})
      append_object(part, c, b);
  } else if (o == "max-size") {
    line(b, "Max-size",
         c.swapped ? std::to_string(h) + " " + std::to_string(w)
                   : std::to_string(w) + " " + std::to_string(h));
  } else if (o == "resolution-number") {
    line(b, "Resolution-number", std::to_string(info.levels.size()));
  } else if (o == "tile-size") {
    const LevelInfo& l = info.levels.front();
    line(b, "Tile-size", std::to_string(l.tile_width) + " " + std::to_string(l.tile_height));
  } else if (o == "bits-per-channel") {
    line(b, "Bits-per-channel", std::to_string(info.bits_per_sample));
  } else if (o == "horizontal-views") {
    line(b, "Horizontal-views", join(c.horizontal));
  } else if (o == "vertical-views") {
    line(b, "Vertical-views", join(c.vertical));
  } else if (o == "min-max-sample-values") {
    std::string v;
    for (int i = 0; i < info.bands; ++i) {
      const auto at = static_cast<std::size_t>(i);
      const double lo = at < info.min_values.size() ? info.min_values[at] : 0;
      const double hi = at < info.max_values.size() ? info.max_values[at] : 0;
      v.append(" ").append(number(lo)).append("  ").append(number(hi)).append(" ");
    }
    if (!v.empty()) v.pop_back();
    line(b, "Min-Max-sample-values", v);
  } else if (o == "resolutions") {
    std::string v;
    for (auto it = info.levels.rbegin(); it != info.levels.rend(); ++it) {
      if (!v.empty()) v += ',';
      v.append(std::to_string(it->width)).append(" ").append(std::to_string(it->height));
    }
    line(b, "Resolutions", v);
  } else if (o == "dpi") {
    if (info.dpi_x > 0 && info.dpi_y > 0) {
      char buf[80];
      std::snprintf(buf, sizeof buf, "%f %f", info.dpi_x, info.dpi_y);
      line(b, "DPI", buf);
    }
  } else if (o.find("colorspace") != std::string_view::npos) {
    b.lines += colorspace(info);
  } else if (o == "summary-info") {
    for (std::string_view key : {"rights", "description", "creator", "date", "software"})
      raw_value(b, lookup(info, key), "text/plain");
  } else if (o == "xmp") {
    raw_value(b, info.xmp, "application/xml");
  } else if (o == "metadata") {
    b.lines += metadata_json(info);
    b.content_type = "application/json";
  } else if (o == "stack") {
    if (!c.stack_names.empty()) {
      b.lines += stack_json(c.stack_names);
      b.content_type = "application/json";
    }
  } else {
    for (const auto& m : metadata_names)
      if (o == m.request) return raw_value(b, lookup(info, m.key), "text/plain"), std::nullopt;
    for (auto name : empty_names)
      if (o == name) return std::nullopt;
    return unknown;
  }
  return std::nullopt;
}

}  // namespace tessera::iip
