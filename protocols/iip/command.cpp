#include "protocols/iip/command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

#include "imaging/processing.hpp"
#include "protocols/identifier.hpp"

namespace tessera::iip {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  s = trim(s);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || !std::isfinite(v))
    return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = s.find(sep);
    parts.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return parts;
    s.remove_prefix(at + 1);
  }
}

std::optional<std::vector<double>> numbers(std::string_view s, std::size_t count) {
  const auto parts = split(s, ',');
  if (parts.size() != count) return std::nullopt;
  std::vector<double> out;
  for (auto p : parts) {
    auto v = to_double(p);
    if (!v) return std::nullopt;
    out.push_back(*v);
  }
  return out;
}

std::string_view unbracket(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

IipError bad_argument(std::string_view command) {
  return {2, 3, std::string(command), 400};
}
IipError out_of_range(std::string_view command) {
  return {2, 4, std::string(command), 404};
}

std::string format_error(const IipError& e) {
  const std::string text =
      std::to_string(e.error_class) + " " + std::to_string(e.code) + " " + e.argument;
  return "Error/" + std::to_string(text.size()) + ":" + text + "\r\n";
}

std::optional<IipError> parse_query(std::string_view query, std::vector<Command>& out) {
  const IipError too_much{2, 5, "-", 400};
  for (std::string_view part : split(query, '&')) {
    if (part.empty()) continue;
    const auto eq = part.find('=');
    const std::string_view name = part.substr(0, eq);
    const std::string_view raw = eq == std::string_view::npos ? part : part.substr(eq + 1);
    if (name.empty() || raw.empty()) continue;
    if (out.size() >= max_commands || raw.size() > 3 * max_value_length || name.size() > 32)
      return too_much;
    auto decoded = percent_decode(raw);
    auto decoded_name = percent_decode(name);
    if (!decoded || !decoded_name) return bad_argument(name);
    if (decoded->size() > max_value_length) return too_much;
    out.push_back({lower(*decoded_name), std::move(*decoded_name), std::move(*decoded)});
  }
  return std::nullopt;
}

std::optional<TileArg> parse_tile(std::string_view v) {
  const auto parts = split(v, ',');
  if (parts.size() != 2) return std::nullopt;
  auto r = to_int(parts[0]), t = to_int(parts[1]);
  if (!r || !t || *r < 0 || *t < 0 || *r > 64) return std::nullopt;
  return TileArg{static_cast<int>(*r), *t};
}

std::optional<AngledTileArg> parse_jtls(std::string_view v) {
  const auto parts = split(v, ',');
  if (parts.size() != 4) return std::nullopt;
  auto x = to_int(parts[0]), y = to_int(parts[3]);
  auto tile = parse_tile(std::string(parts[1]) + "," + std::string(parts[2]));
  if (!x || !y || !tile || std::abs(*x) > 100000 || std::abs(*y) > 100000) return std::nullopt;
  return AngledTileArg{static_cast<int>(*x), static_cast<int>(*y), *tile};
}

std::optional<RegionArg> parse_region(std::string_view v) {
  auto n = numbers(v, 4);
  if (!n) return std::nullopt;
  for (double& d : *n) d = std::clamp(d, 0.0, 1.0);
  if ((*n)[2] <= 0 || (*n)[3] <= 0) return std::nullopt;
  return RegionArg{(*n)[0], (*n)[1], (*n)[2], (*n)[3]};
}

std::optional<Rotation> parse_rotation(std::string_view v) {
  v = trim(v);
  Rotation r;
  if (!v.empty() && v.front() == '!') {
    r.mirror = true;
    v.remove_prefix(1);
  }
  auto d = to_double(v);
  if (!d || std::abs(*d) > 1e6) return std::nullopt;
  r.degrees = std::fmod(*d, 360.0);
  if (r.degrees < 0) r.degrees += 360;
  if (r.degrees >= 360) r.degrees = 0;
  return r;
}

std::optional<std::int64_t> parse_size(std::string_view v) {
  auto n = to_int(v);
  if (!n || *n < 1 || *n > (std::int64_t{1} << 20)) return std::nullopt;
  return n;
}

std::optional<EncodeOptions> parse_quality(std::string_view v, EncodeOptions o) {
  const auto colon = v.find(':');
  if (colon != std::string_view::npos) {
    const std::string comp = lower(trim(v.substr(0, colon)));
    if (comp == "lzw")
      o.tiff_compression = TiffCompression::lzw;
    else if (comp == "deflate")
      o.tiff_compression = TiffCompression::deflate;
    else if (comp == "jpeg")
      o.tiff_compression = TiffCompression::jpeg;
    else if (comp != "webp" && comp != "zstd" && comp != "none")
      return std::nullopt;
    else if (comp == "none")
      o.tiff_compression = TiffCompression::none;
    v.remove_prefix(colon + 1);
  }
  auto q = to_int(v);
  if (!q || *q < 0 || *q > 100) return std::nullopt;
  const int n = static_cast<int>(*q);
  o.jpeg_quality = std::max(1, n);
  o.tiff_quality = std::max(1, n);
  o.webp_quality = n;
  o.avif_quality = n;
  o.png_compression = std::min(n, 9);
  return o;
}

std::optional<Contrast> parse_contrast(std::string_view v) {
  const std::string s = lower(trim(v));
  if (s == "eq" || s == "equalization") return Contrast{ContrastMode::equalise, 1};
  if (s == "st" || s == "stretch") return Contrast{ContrastMode::stretch, 1};
  auto f = to_double(s);
  if (!f || *f < 0 || *f > 1000) return std::nullopt;
  if (*f == 1.0) return Contrast{};  // the identity: same view (and cache entry) as no CNT
  return Contrast{ContrastMode::multiply, *f};
}

std::optional<Gamma> parse_gamma(std::string_view v) {
  const std::string s = lower(trim(v));
  if (s == "log" || s == "logarithm") return Gamma{GammaMode::log, 1};
  auto f = to_double(s);
  if (!f || *f <= 0 || *f > 100) return std::nullopt;
  if (*f == 1.0) return Gamma{};
  return Gamma{GammaMode::power, *f};
}

std::optional<BandRange> parse_minmax(std::string_view v) {
  const auto colon = v.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  BandRange r;
  const std::string_view ch = trim(v.substr(0, colon));
  if (ch != "-") {
    auto n = to_int(ch);
    if (!n || *n < 0 || *n > 65535) return std::nullopt;
    r.band = static_cast<int>(*n);
  }
  auto n = numbers(v.substr(colon + 1), 2);
  if (!n) return std::nullopt;
  r.min = (*n)[0];
  r.max = (*n)[1];
  return r;
}

std::optional<Colormap> parse_colormap(std::string_view v) {
  const std::string s = lower(trim(v));
  if (s == "hot") return Colormap::hot;
  if (s == "cold") return Colormap::cold;
  if (s == "jet") return Colormap::jet;
  if (s == "blue") return Colormap::blue;
  if (s == "green") return Colormap::green;
  if (s == "red") return Colormap::red;
  return std::nullopt;
}

std::optional<BandMatrix> parse_twist(std::string_view v) {
  const auto rows = split(unbracket(v), ';');
  if (rows.empty() || rows.size() > 3) return std::nullopt;
  std::vector<std::vector<double>> m;
  std::size_t cols = 0;
  for (auto row : rows) {
    const auto parts = split(row, ',');
    if (parts.size() > 64) return std::nullopt;
    std::vector<double> values;
    for (auto p : parts) {
      auto d = to_double(p);
      if (!d) return std::nullopt;
      values.push_back(*d);
    }
    cols = std::max(cols, values.size());
    m.push_back(std::move(values));
  }
  // The pipeline mixes into one band or three; two rows get an empty third.
  if (m.size() == 2) m.emplace_back();
  BandMatrix out;
  out.rows = static_cast<int>(m.size());
  out.cols = static_cast<int>(cols);
  for (auto& row : m) {
    row.resize(cols, 0.0);
    out.coefficients.insert(out.coefficients.end(), row.begin(), row.end());
  }
  return out;
}

std::optional<HillShade> parse_shade(std::string_view v) {
  auto n = numbers(v, 2);
  if (!n || std::abs((*n)[0]) > 3600 || (*n)[1] < -90 || (*n)[1] > 90) return std::nullopt;
  HillShade h;
  h.enabled = true;
  h.azimuth = std::fmod(std::fmod((*n)[0], 360.0) + 360.0, 360.0);
  h.elevation = (*n)[1];
  return h;
}

std::optional<Quality> parse_colour(std::string_view v) {
  const std::string s = lower(trim(v));
  if (s == "grey" || s == "gray") return Quality::grey;
  if (s == "binary") return Quality::bitonal;
  if (s == "colour" || s == "color") return Quality::colour;
  return std::nullopt;
}

std::optional<Kernel> parse_kernel(std::string_view v) {
  const std::string_view inner = trim(unbracket(v));
  if (auto named = named_kernel(lower(inner))) return named;
  const auto parts = split(inner, ',');
  const auto n = parts.size();
  int size = 0;
  for (int s : {1, 3, 5})
    if (n == static_cast<std::size_t>(s * s)) size = s;
  if (size == 0) return std::nullopt;
  Kernel k;
  k.size = size;
  for (auto p : parts) {
    auto d = to_double(p);
    if (!d) return std::nullopt;
    k.weights.push_back(*d);
  }
  return k;
}

std::optional<int> parse_layers(std::string_view v) {
  auto n = to_int(v);
  if (!n || *n < 1 || *n > 256) return std::nullopt;
  return static_cast<int>(*n);
}

std::optional<ViewArg> parse_sds(std::string_view v) {
  const auto parts = split(v, ',');
  if (parts.size() > 2) return std::nullopt;
  auto x = to_int(parts[0]);
  auto y = parts.size() == 2 ? to_int(parts[1]) : std::optional<std::int64_t>(0);
  if (!x || !y || std::abs(*x) > 100000 || std::abs(*y) > 100000) return std::nullopt;
  return ViewArg{static_cast<int>(*x), static_cast<int>(*y)};
}

const OutputFormat* parse_format(std::string_view v) {
  const std::string s = lower(trim(v));
  if (s.empty() || s.size() > 16) return nullptr;
  return find_output_format(s);
}

}  // namespace tessera::iip
