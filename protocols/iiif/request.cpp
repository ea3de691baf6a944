#include "protocols/iiif/request.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <tuple>
#include <vector>

#include "imaging/encoder.hpp"
#include "protocols/identifier.hpp"
#include "protocols/iiif/features.hpp"

namespace tessera::iiif {
namespace {

// Bigger than any real image side (terapixel images are about 2^20 wide); products of two such
// values are computed in __int128.
constexpr std::int64_t max_coordinate = std::int64_t{1} << 40;
// Absolute ceiling on output pixels whatever the configured limits, to bound memory.
constexpr std::int64_t hard_max_area = std::int64_t{1} << 28;

Error bad(std::string message) {
  return make_error(Errc::bad_request, std::move(message));
}
Error unimplemented(std::string message) {
  return make_error(Errc::not_implemented, std::move(message));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const auto pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos - start));
    if (pos == std::string_view::npos) return parts;
    start = pos + 1;
  }
}

// Whole-string, non-negative, plain decimal integer (no sign, no spaces, no junk).
std::optional<std::int64_t> parse_int(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || v > max_coordinate) return std::nullopt;
  return v;
}

// Whole-string, non-negative decimal number without exponent ("12", "12.5", ".5").
std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || !((s.front() >= '0' && s.front() <= '9') || s.front() == '.'))
    return std::nullopt;
  double v = 0;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<double> to_double(std::optional<std::int64_t> v) {
  if (!v) return std::nullopt;
  return static_cast<double>(*v);
}

Result<Region> parse_region(std::string_view s, Version v) {
  Region r;
  if (s == "full") return r;
  if (s == "square") {
    if (!supports(Feature::regionSquare, v))
      return unimplemented("region: square is not supported");
    r.kind = Region::Kind::square;
    return r;
  }
  const bool pct = s.starts_with("pct:");
  if (pct) s.remove_prefix(4);
  const auto parts = split(s, ',');
  if (parts.size() != 4) return bad("region: expected full, square, x,y,w,h or pct:x,y,w,h");
  double n[4];
  for (int i = 0; i < 4; ++i) {
    const auto value = pct ? parse_number(parts[i]) : to_double(parse_int(parts[i]));
    if (!value) return bad("region: '" + std::string(parts[i]) + "' is not a valid number");
    n[i] = *value;
  }
  if (n[2] <= 0 || n[3] <= 0) return bad("region: width and height must be greater than zero");
  if (!supports(pct ? Feature::regionByPct : Feature::regionByPx, v))
    return unimplemented(pct ? "region: percentages are not supported"
                             : "region: pixel regions are not supported");
  r.kind = pct ? Region::Kind::percent : Region::Kind::pixels;
  r.x = n[0], r.y = n[1], r.w = n[2], r.h = n[3];
  return r;
}

Result<Size> parse_size(std::string_view s, Version v) {
  Size z;
  const bool v2 = v == Version::v2;
  if (s.starts_with('^')) {
    if (v2) return bad("size: '^' is not part of Image API 2");
    z.upscale = true;
    s.remove_prefix(1);
  }
  if (s == "max") return z;
  if (s == "full") {
    if (!v2) return bad("size: 'full' is Image API 2 only; use 'max'");
    z.kind = Size::Kind::full;
    return z;
  }
  if (s.starts_with("pct:")) {
    auto n = parse_number(s.substr(4));
    if (!n || *n <= 0) return bad("size: invalid percentage '" + std::string(s.substr(4)) + "'");
    if (!supports(Feature::sizeByPct, v)) return unimplemented("size: pct:n is not supported");
    z.kind = Size::Kind::percent;
    z.percent = *n;
    return z;
  }
  const bool confined = s.starts_with('!');
  if (confined) s.remove_prefix(1);
  const auto parts = split(s, ',');
  if (parts.size() != 2 || (parts[0].empty() && parts[1].empty()))
    return bad("size: expected max, w,, ,h, pct:n, w,h or !w,h");
  std::optional<std::int64_t> w, h;
  if (!parts[0].empty() && !(w = parse_int(parts[0])))
    return bad("size: '" + std::string(parts[0]) + "' is not a valid width");
  if (!parts[1].empty() && !(h = parse_int(parts[1])))
    return bad("size: '" + std::string(parts[1]) + "' is not a valid height");
  if ((w && *w == 0) || (h && *h == 0)) return bad("size: must be at least one pixel");
  if (confined && (!w || !h)) return bad("size: !w,h needs both a width and a height");

  Feature needed = Feature::sizeByWh;
  if (confined) {
    z.kind = Size::Kind::confined, needed = Feature::sizeByConfinedWh;
  } else if (w && h) {
    z.kind = Size::Kind::exact;
  } else if (w) {
    z.kind = Size::Kind::width, needed = Feature::sizeByW;
  } else {
    z.kind = Size::Kind::height, needed = Feature::sizeByH;
  }
  if (!supports(needed, v)) return unimplemented("size: this form is not supported");
  z.w = w.value_or(0);
  z.h = h.value_or(0);
  return z;
}

Result<Rotation> parse_rotation(std::string_view s, Version v) {
  Rotation r;
  if (s.starts_with('!')) {
    r.mirror = true;
    s.remove_prefix(1);
  }
  auto n = parse_number(s);
  if (!n || *n > 360) return bad("rotation: expected a number from 0 to 360, optionally after '!'");
  r.degrees = *n;
  if (r.mirror && !supports(Feature::mirroring, v))
    return unimplemented("rotation: mirroring is not supported");
  const bool quarter = std::fmod(r.degrees, 90.0) == 0.0;
  if (r.degrees != 0 && r.degrees != 360) {
    if (quarter && !supports(Feature::rotationBy90s, v))
      return unimplemented("rotation: rotation is not supported");
    if (!quarter && !supports(Feature::rotationArbitrary, v))
      return unimplemented("rotation: only multiples of 90 are supported");
  }
  return r;
}

Result<ImageRequest> parse_image(std::string_view region, std::string_view size,
                                 std::string_view rotation, std::string_view quality_format,
                                 Version v) {
  ImageRequest req;
  req.version = v;
  auto r = parse_region(region, v);
  if (!r) return r.error();
  auto z = parse_size(size, v);
  if (!z) return z.error();
  auto o = parse_rotation(rotation, v);
  if (!o) return o.error();

  const auto dot = quality_format.rfind('.');
  if (dot == std::string_view::npos) return bad("format: missing (e.g. default.jpg)");
  const std::string quality(quality_format.substr(0, dot));
  const std::string format(quality_format.substr(dot + 1));
  // The Image API asks for 400 for any quality or format the server does not serve.
  if (!serves_quality(quality)) return bad("quality: '" + quality + "' is not supported");
  if (!find_output_format(format)) return bad("format: '" + format + "' is not supported");

  req.region = *r;
  req.size = *z;
  req.rotation = *o;
  req.quality = quality;
  req.format = format;
  return req;
}

Result<std::string> decode_identifier(const std::vector<std::string_view>& parts,
                                      std::size_t count) {
  std::string id;
  for (std::size_t i = 0; i < count; ++i) {
    auto decoded = percent_decode(parts[i]);
    if (!decoded) return bad("malformed percent-encoding in identifier");
    if (i) id += '/';
    id += *decoded;
  }
  return id;
}

std::int64_t rounded_ratio(std::int64_t a, std::int64_t b, std::int64_t c) {
  // round(a * b / c) without overflow
  const __int128 n = static_cast<__int128>(a) * b;
  return static_cast<std::int64_t>((2 * n + c) / (2 * static_cast<__int128>(c)));
}

// The other side of a "w," or ",h" size. Viewers request tiles as region = tile x s (clipped at
// the image edge) with size ceil(region / s) and expect ceil(other / s) on the other side; plain
// rounding of the aspect ratio can differ by one on clipped edge tiles. So when the given side is
// such a tile size for a power-of-two s, and the result stays within a pixel of the exact
// proportion, use the viewer's value; otherwise round the proportion.
std::int64_t other_side(std::int64_t given, std::int64_t region_given, std::int64_t region_other) {
  const std::int64_t rounded = rounded_ratio(region_other, given, region_given);  // 0: 400
  for (std::int64_t s = 1; s <= (std::int64_t{1} << 30) && ceil_div(region_given, s) >= given;
       s *= 2) {
    if (ceil_div(region_given, s) != given) continue;
    const std::int64_t tile = ceil_div(region_other, s);
    const double exact = static_cast<double>(region_other) * static_cast<double>(given) /
                         static_cast<double>(region_given);
    return std::abs(static_cast<double>(tile) - exact) < 1.0 ? tile : rounded;
  }
  return rounded;
}

// The largest scale of a `rw` x `rh` region within the limits (infinity when there are none).
double limit_scale(std::int64_t rw, std::int64_t rh, const Limits& limits) {
  double s = std::numeric_limits<double>::infinity();
  if (limits.max_width) s = std::min(s, static_cast<double>(limits.max_width) / rw);
  if (limits.max_height) s = std::min(s, static_cast<double>(limits.max_height) / rh);
  if (limits.max_area)
    s = std::min(s, std::sqrt(static_cast<double>(limits.max_area) / (double(rw) * rh)));
  return s;
}

// Largest size of a `rw` x `rh` region with its aspect ratio within the limits, and at most
// the region's own size unless `upscale`.
std::pair<std::int64_t, std::int64_t> max_size(std::int64_t rw, std::int64_t rh,
                                               const Limits& limits, bool upscale) {
  double s = limit_scale(rw, rh, limits);
  if (!upscale) s = std::min(s, 1.0);
  if (!std::isfinite(s) || s == 1.0) return {rw, rh};
  // Floor, so the result never exceeds a limit; the epsilon keeps exact ratios exact.
  return {std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rw * s + 1e-9))),
          std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rh * s + 1e-9)))};
}

Rect region_of(const Region& region, std::int64_t W, std::int64_t H) {
  switch (region.kind) {
    case Region::Kind::full:
      return Rect{0, 0, W, H};
    case Region::Kind::square: {
      const std::int64_t side = std::min(W, H);
      return Rect{(W - side) / 2, (H - side) / 2, side, side};
    }
    case Region::Kind::pixels:
      return Rect{static_cast<std::int64_t>(region.x), static_cast<std::int64_t>(region.y),
                  static_cast<std::int64_t>(region.w), static_cast<std::int64_t>(region.h)};
    case Region::Kind::percent: {
      // Edges are rounded (not x,y,w,h separately) so adjacent percentage regions tile exactly.
      const auto at = [](double pct, std::int64_t extent) {
        return static_cast<std::int64_t>(
            std::llround(std::min(pct, 1e6) * static_cast<double>(extent) / 100.0));
      };
      const std::int64_t x0 = at(region.x, W), y0 = at(region.y, H);
      return Rect{x0, y0, at(region.x + region.w, W) - x0, at(region.y + region.h, H) - y0};
    }
  }
  return Rect{0, 0, W, H};
}

// Shortest decimal without exponent or trailing zeros ("90", "22.5", "0.25").
std::string format_degrees(double degrees) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, degrees, std::chars_format::fixed);
  return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

}  // namespace

Result<ParsedRequest> parse(std::string_view path, Version version) {
  const auto parts = split(path, '/');
  for (auto p : parts)
    if (p.empty()) return bad("empty path segment");

  ParsedRequest out;
  std::size_t id_parts = parts.size();
  if (parts.size() >= 2 && parts.back() == "info.json") {
    out.kind = ParsedRequest::Kind::info;
    id_parts = parts.size() - 1;
  } else if (parts.size() >= 5) {
    out.kind = ParsedRequest::Kind::image;
    id_parts = parts.size() - 4;
    auto image = parse_image(parts[id_parts], parts[id_parts + 1], parts[id_parts + 2],
                             parts[id_parts + 3], version);
    if (!image) return image.error();
    out.image = std::move(image.value());
  }
  auto id = decode_identifier(parts, id_parts);
  if (!id) return id.error();
  out.identifier = std::move(id.value());
  return out;
}

Limits effective_limits(const Limits& configured) {
  Limits l = configured;
  if (l.max_area == 0 || l.max_area > hard_max_area) l.max_area = hard_max_area;
  // info.json may state maxHeight only with maxWidth; the area cap bounds any width anyway.
  if (l.max_height && !l.max_width) l.max_width = hard_max_area;
  return l;
}

Result<View> resolve(const ImageRequest& req, std::int64_t W, std::int64_t H,
                     const ResolveOptions& options, View view) {
  const Limits limits = effective_limits(options.limits);
  Rect region = region_of(req.region, W, H);
  if (region.x >= W || region.y >= H) return bad("region: entirely outside the image");
  region = intersect(region, Rect{0, 0, W, H});
  if (region.empty()) return bad("region: empty");

  const std::int64_t rw = region.w, rh = region.h;
  const Size& size = req.size;
  // 2.1 has no '^': any size may exceed the region (its sizeAboveFull feature).
  const bool may_upscale = size.upscale || req.version == Version::v2;
  std::int64_t ow = rw, oh = rh;
  switch (size.kind) {
    case Size::Kind::max:
      std::tie(ow, oh) = max_size(rw, rh, limits, size.upscale);
      break;
    case Size::Kind::full:
      break;
    case Size::Kind::width:
      ow = size.w;
      oh = other_side(size.w, rw, rh);
      if (oh < 1) return bad("size: the height is less than one pixel");
      break;
    case Size::Kind::height:
      oh = size.h;
      ow = other_side(size.h, rh, rw);
      if (ow < 1) return bad("size: the width is less than one pixel");
      break;
    case Size::Kind::percent:
      if (!may_upscale && size.percent > 100)
        return bad("size: percentages over 100 need the ^ prefix");
      ow = std::llround(rw * std::min(size.percent, 1e9) / 100.0);
      oh = std::llround(rh * std::min(size.percent, 1e9) / 100.0);
      if (ow < 1 || oh < 1) return bad("size: the result is less than one pixel");
      break;
    case Size::Kind::exact:
      ow = size.w;
      oh = size.h;
      break;
    case Size::Kind::confined: {
      // The largest scale that fits w x h, the server's limits and (without '^') the region:
      // "as large as possible but not larger than the extracted region, w or h, or
      // server-imposed limits". Sides are rounded, then held to every bound.
      double s = std::min(static_cast<double>(size.w) / rw, static_cast<double>(size.h) / rh);
      if (!may_upscale) s = std::min(s, 1.0);
      s = std::min(s, limit_scale(rw, rh, limits));
      ow = std::max<std::int64_t>(1, std::llround(rw * s));
      oh = std::max<std::int64_t>(1, std::llround(rh * s));
      for (const auto& [side, bound] :
           {std::pair{&ow, size.w}, std::pair{&oh, size.h}, std::pair{&ow, may_upscale ? 0 : rw},
            std::pair{&oh, may_upscale ? 0 : rh}, std::pair{&ow, limits.max_width},
            std::pair{&oh, limits.max_height}})
        if (bound && *side > bound) *side = bound;
      if (!limits.fits(ow, oh)) {  // rounding up overshot the area
        ow = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rw * s)));
        oh = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rh * s)));
      }
      break;
    }
  }
  const bool upscaled = ow > rw || oh > rh;
  if (upscaled && !may_upscale) return bad("size: larger than the region; use ^ to upscale");
  if (upscaled && !options.allow_upscaling) {
    if (req.version == Version::v3) return unimplemented("size: upscaling is not supported");
    return bad("size: larger than the region, and upscaling is disabled");
  }
  if (!limits.fits(ow, oh))
    return bad("size: " + std::to_string(ow) + "x" + std::to_string(oh) +
               " exceeds the server's limits (see maxWidth, maxHeight, maxArea in info.json)");

  view.region = region;
  view.width = ow;
  view.height = oh;
  view.rotation = req.rotation;
  if (req.quality == "gray") view.quality = Quality::grey;
  if (req.quality == "bitonal") view.quality = Quality::bitonal;
  return view;
}

std::string canonical(const ImageRequest& req, const View& view, std::int64_t W, std::int64_t H,
                      const Limits& limits) {
  const Rect& r = view.region;
  std::string out = (r == Rect{0, 0, W, H})
                        ? std::string("full")
                        : std::to_string(r.x) + "," + std::to_string(r.y) + "," +
                              std::to_string(r.w) + "," + std::to_string(r.h);
  out += '/';
  const std::int64_t ow = view.width, oh = view.height;
  const std::string wh = std::to_string(ow) + "," + std::to_string(oh);
  if (req.version == Version::v2) {
    // 2.1: "full" for the region's size, "w," when the aspect ratio is kept, else "w,h".
    if (ow == r.w && oh == r.h)
      out += "full";
    else if (oh == other_side(ow, r.w, r.h))
      out += std::to_string(ow) + ",";
    else
      out += wh;
  } else {
    const bool upscaled = ow > r.w || oh > r.h;
    if (std::pair{ow, oh} == max_size(r.w, r.h, limits, false))
      out += "max";
    else if (req.size.kind == Size::Kind::max && req.size.upscale)
      out += "^max";
    else
      out += (upscaled ? "^" : "") + wh;
  }
  out += '/';
  if (req.rotation.mirror) out += '!';
  out += format_degrees(req.rotation.degrees);
  out += '/' + req.quality + '.' + req.format;
  return out;
}

}  // namespace tessera::iiif
