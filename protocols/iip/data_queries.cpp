#include "protocols/iip/data_queries.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "protocols/identifier.hpp"

namespace tessera::iip {
namespace {

constexpr std::int64_t max_coordinate = std::int64_t{1} << 40;

Error bad(std::string message) {
  return make_error(Errc::bad_request, std::move(message));
}

// A non-negative decimal integer filling all of `s`.
std::optional<std::int64_t> number(std::string_view s) {
  auto v = parse_digits(s, 13);
  if (!v || *v > max_coordinate) return std::nullopt;
  return v;
}

// "a,b" -> (a, b).
std::optional<std::pair<std::int64_t, std::int64_t>> pair_of(std::string_view s) {
  const auto comma = s.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  auto a = number(s.substr(0, comma));
  auto b = number(s.substr(comma + 1));
  if (!a || !b) return std::nullopt;
  return std::pair{*a, *b};
}

// IIP counts resolutions from the smallest level; ImageInfo from the largest.
Result<std::size_t> level_of(const ImageInfo& info, int resolution, const char* command) {
  const auto count = static_cast<int>(info.levels.size());
  if (resolution < 0 || resolution >= count)
    return bad(std::string(command) + ": resolution out of range");
  return static_cast<std::size_t>(count - 1 - resolution);
}

std::string format_sample(double v, bool integral) {
  if (!std::isfinite(v)) return "null";  // JSON has no NaN or infinity
  char text[64];
  if (integral)
    std::snprintf(text, sizeof text, "%.0f", v);
  else
    std::snprintf(text, sizeof text, "%.9f", v);
  return text;
}

// Every sample of a raster, interleaved, as a JSON array's contents.
std::string samples_text(const Raster& r) {
  std::string out;
  with_sample_type(r.type, [&](auto t) {
    using T = decltype(t);
    const T* p = reinterpret_cast<const T*>(r.data.data());
    const std::size_t n = static_cast<std::size_t>(r.width * r.height) * r.bands;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) out += ',';
      out += format_sample(static_cast<double>(p[i]), std::is_integral_v<T>);
    }
  });
  return out;
}

Result<Raster> read_line(const ImageSource& source, const ProfileQuery& q) {
  auto level = level_of(source.info(), q.resolution, "PFL");
  if (!level) return level.error();
  const LevelInfo& l = source.info().levels[*level];
  if (q.x1 >= l.width || q.y1 >= l.height) return bad("PFL: point outside the image");
  Rect line{q.x1, q.y1, 1, 1};
  if (q.x2 > q.x1) {
    if (q.x2 > l.width) return bad("PFL: line leaves the image");
    line.w = q.x2 - q.x1;
  } else if (q.y2 > q.y1) {
    if (q.y2 > l.height) return bad("PFL: line leaves the image");
    line.h = q.y2 - q.y1;
  }
  return source.read_region(*level, line);
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// The first band's sample at one pixel, 8- and 16-bit scaled to 0..1 (iipsrv's reflectance).
double reflectance(const Raster& pixel) {
  return with_sample_type(pixel.type, [&](auto t) {
    using T = decltype(t);
    const double v = static_cast<double>(*reinterpret_cast<const T*>(pixel.data.data()));
    if constexpr (std::is_same_v<T, std::uint8_t>) return v / 255.0;
    if constexpr (std::is_same_v<T, std::uint16_t>) return v / 65535.0;
    return v;
  });
}

}  // namespace

Result<ProfileQuery> parse_profile(std::string_view argument) {
  const auto colon = argument.find(':');
  if (colon == std::string_view::npos) return bad("PFL: expected res:x1,y1-x2,y2");
  ProfileQuery q;
  auto res = number(argument.substr(0, colon));
  if (!res || *res > 64) return bad("PFL: bad resolution");
  q.resolution = static_cast<int>(*res);
  const std::string_view points = argument.substr(colon + 1);
  const auto dash = points.find('-');
  auto start = pair_of(points.substr(0, dash));
  if (!start) return bad("PFL: bad start point");
  std::tie(q.x1, q.y1) = *start;
  std::tie(q.x2, q.y2) = *start;
  if (dash != std::string_view::npos) {
    auto end = pair_of(points.substr(dash + 1));
    if (!end) return bad("PFL: bad end point");
    std::tie(q.x2, q.y2) = *end;
  }
  return q;
}

Result<std::string> profile_json(const ImageSource& source, const ProfileQuery& query) {
  auto line = read_line(source, query);
  if (!line) return line.error();
  return "{\n\t\"profile\": [" + samples_text(*line) + "]\n}";
}

Result<std::string> profile_json(std::span<const SpectralImage> series, const ProfileQuery& query) {
  if (series.empty()) return make_error(Errc::not_found, "image not found");
  if (series.size() == 1) return profile_json(*series.front().source, query);
  std::string out = "{\n\t\"profile\": {\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    auto line = read_line(*series[i].source, query);
    if (!line) return line.error();
    out += "\t\t" + nlohmann::json(series[i].wavelength).dump() + ": [" + samples_text(*line) + "]";
    out += i + 1 < series.size() ? ",\n" : "\n";
  }
  return out + "\t}\n}";
}

Result<SpectraQuery> parse_spectra(std::string_view argument) {
  std::int64_t v[4];
  for (int i = 0; i < 4; ++i) {
    const auto comma = argument.find(',');
    if ((comma == std::string_view::npos) != (i == 3)) return bad("SPECTRA: expected res,tile,x,y");
    auto n = number(argument.substr(0, comma));
    if (!n) return bad("SPECTRA: bad number");
    v[i] = *n;
    if (comma != std::string_view::npos) argument.remove_prefix(comma + 1);
  }
  if (v[0] > 64) return bad("SPECTRA: bad resolution");
  return SpectraQuery{static_cast<int>(v[0]), v[1], v[2], v[3]};
}

Result<std::string> spectra_xml(std::span<const SpectralImage> series, const SpectraQuery& q) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<spectra>\n";
  for (const SpectralImage& image : series) {
    const ImageInfo& info = image.source->info();
    auto level = level_of(info, q.resolution, "SPECTRA");
    if (!level) return level.error();
    const LevelInfo& l = info.levels[*level];
    const std::int64_t tw = l.tile_width, th = l.tile_height;
    if (q.x >= tw || q.y >= th) return bad("SPECTRA: x,y outside the tile");
    const std::int64_t across = ceil_div(l.width, tw);
    if (q.tile >= across * ceil_div(l.height, th))
      return make_error(Errc::not_found, "SPECTRA: no such tile");
    const std::int64_t px = (q.tile % across) * tw + q.x;
    const std::int64_t py = (q.tile / across) * th + q.y;
    if (px >= l.width || py >= l.height) continue;  // beyond a partial edge tile: no point
    auto pixel = image.source->read_region(*level, Rect{px, py, 1, 1});
    if (!pixel) return pixel.error();
    char value[64];
    std::snprintf(value, sizeof value, "%f", reflectance(*pixel));
    out += "\t<point>\n\t\t<wavelength>" + xml_escape(image.wavelength) +
           "</wavelength>\n\t\t<reflectance>" + value + "</reflectance>\n\t</point>\n";
  }
  return out + "</spectra>";
}

}  // namespace tessera::iip
