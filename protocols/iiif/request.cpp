#include "protocols/iiif/request.hpp"

#include <charconv>
#include <cmath>
#include <optional>
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

Result<Region> parse_region(std::string_view s) {
  Region r;
  if (s == "full") return r;
  if (s == "square") {
    if (!supports(Feature::regionSquare)) return unimplemented("square regions are not supported");
    r.kind = Region::Kind::square;
    return r;
  }
  const bool pct = s.starts_with("pct:");
  if (pct) s.remove_prefix(4);
  const auto parts = split(s, ',');
  if (parts.size() != 4) return bad("invalid region");
  double v[4];
  for (int i = 0; i < 4; ++i) {
    if (pct) {
      auto n = parse_number(parts[i]);
      if (!n) return bad("invalid region");
      v[i] = *n;
    } else {
      auto n = parse_int(parts[i]);
      if (!n) return bad("invalid region");
      v[i] = static_cast<double>(*n);
    }
  }
  if (v[2] <= 0 || v[3] <= 0) return bad("region width and height must be greater than zero");
  if (pct && !supports(Feature::regionByPct))
    return unimplemented("percentage regions are not supported");
  if (!pct && !supports(Feature::regionByPx))
    return unimplemented("pixel regions are not supported");
  r.kind = pct ? Region::Kind::percent : Region::Kind::pixels;
  r.x = v[0], r.y = v[1], r.w = v[2], r.h = v[3];
  return r;
}

Result<Size> parse_size(std::string_view s) {
  Size z;
  if (s.starts_with('^')) {
    if (!supports(Feature::sizeUpscaling)) return unimplemented("upscaling is not supported");
    z.upscale = true;
    s.remove_prefix(1);
  }
  if (s == "max") return z;
  if (s.starts_with("pct:")) {
    auto n = parse_number(s.substr(4));
    if (!n || *n <= 0) return bad("invalid size percentage");
    if (!supports(Feature::sizeByPct)) return unimplemented("percentage sizes are not supported");
    z.kind = Size::Kind::percent;
    z.percent = *n;
    return z;
  }
  const bool confined = s.starts_with('!');
  if (confined) s.remove_prefix(1);
  const auto parts = split(s, ',');
  if (parts.size() != 2 || (parts[0].empty() && parts[1].empty())) return bad("invalid size");
  std::optional<std::int64_t> w, h;
  if (!parts[0].empty() && !(w = parse_int(parts[0]))) return bad("invalid size");
  if (!parts[1].empty() && !(h = parse_int(parts[1]))) return bad("invalid size");
  if ((w && *w == 0) || (h && *h == 0)) return bad("size must be at least one pixel");
  if (confined && (!w || !h)) return bad("invalid size");

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
  if (!supports(needed)) return unimplemented("this size form is not supported");
  z.w = w.value_or(0);
  z.h = h.value_or(0);
  return z;
}

Result<Rotation> parse_rotation(std::string_view s) {
  Rotation r;
  if (s.starts_with('!')) {
    r.mirror = true;
    s.remove_prefix(1);
  }
  auto n = parse_number(s);
  if (!n || *n > 360) return bad("invalid rotation");
  r.degrees = *n;
  if (r.mirror && !supports(Feature::mirroring)) return unimplemented("mirroring is not supported");
  const bool quarter = std::fmod(r.degrees, 90.0) == 0.0;
  if (r.degrees != 0 && r.degrees != 360) {
    if (quarter && !supports(Feature::rotationBy90s))
      return unimplemented("rotation is not supported");
    if (!quarter && !supports(Feature::rotationArbitrary))
      return unimplemented("arbitrary rotation is not supported");
  }
  return r;
}

Result<ImageRequest> parse_image(std::string_view region, std::string_view size,
                                 std::string_view rotation, std::string_view quality_format) {
  ImageRequest req;
  auto r = parse_region(region);
  if (!r) return r.error();
  auto z = parse_size(size);
  if (!z) return z.error();
  auto o = parse_rotation(rotation);
  if (!o) return o.error();

  const auto dot = quality_format.rfind('.');
  if (dot == std::string_view::npos) return bad("missing format");
  const std::string_view quality = quality_format.substr(0, dot);
  const std::string_view format = quality_format.substr(dot + 1);
  if (!is_known_quality(quality)) return bad("unknown quality");
  if (!serves_quality(quality))
    return unimplemented("quality '" + std::string(quality) + "' is not supported");
  if (!is_known_format(format)) return bad("unknown format");
  if (!find_output_format(format))
    return unimplemented("format '" + std::string(format) + "' is not supported");

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
  const std::int64_t rounded =
      std::max<std::int64_t>(1, rounded_ratio(region_other, given, region_given));
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

}  // namespace

Result<ParsedRequest> parse(std::string_view path) {
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
    auto image =
        parse_image(parts[id_parts], parts[id_parts + 1], parts[id_parts + 2], parts[id_parts + 3]);
    if (!image) return image.error();
    out.image = std::move(image.value());
  }
  auto id = decode_identifier(parts, id_parts);
  if (!id) return id.error();
  out.identifier = std::move(id.value());
  return out;
}

Result<View> resolve(const ImageRequest& req, std::int64_t W, std::int64_t H, const Limits& limits,
                     View view) {
  // Region, in full-resolution pixels, cropped to the image.
  Rect region{0, 0, W, H};
  switch (req.region.kind) {
    case Region::Kind::full:
      break;
    case Region::Kind::square: {
      const std::int64_t side = std::min(W, H);
      region = Rect{(W - side) / 2, (H - side) / 2, side, side};
      break;
    }
    case Region::Kind::pixels:
      region =
          Rect{static_cast<std::int64_t>(req.region.x), static_cast<std::int64_t>(req.region.y),
               static_cast<std::int64_t>(req.region.w), static_cast<std::int64_t>(req.region.h)};
      break;
    case Region::Kind::percent: {
      const auto at = [](double pct, std::int64_t extent) {
        return static_cast<std::int64_t>(
            std::llround(std::min(pct, 1e6) * static_cast<double>(extent) / 100.0));
      };
      const std::int64_t x0 = at(req.region.x, W), y0 = at(req.region.y, H);
      region = Rect{x0, y0, at(req.region.x + req.region.w, W) - x0,
                    at(req.region.y + req.region.h, H) - y0};
      break;
    }
  }
  if (region.x >= W || region.y >= H) return bad("region is entirely outside the image");
  region = intersect(region, Rect{0, 0, W, H});
  if (region.empty()) return bad("region is empty");

  const std::int64_t rw = region.w, rh = region.h;
  std::int64_t ow = rw, oh = rh;
  const Size& size = req.size;
  switch (size.kind) {
    case Size::Kind::max: {
      double s = size.upscale ? std::numeric_limits<double>::infinity() : 1.0;
      if (limits.max_width) s = std::min(s, static_cast<double>(limits.max_width) / rw);
      if (limits.max_height) s = std::min(s, static_cast<double>(limits.max_height) / rh);
      if (limits.max_area)
        s = std::min(s, std::sqrt(static_cast<double>(limits.max_area) / (double(rw) * rh)));
      if (!std::isfinite(s)) s = 1.0;
      if (s != 1.0) {
        ow = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rw * s + 1e-9)));
        oh = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(rh * s + 1e-9)));
      }
      break;
    }
    case Size::Kind::width:
      ow = size.w;
      oh = other_side(size.w, rw, rh);
      break;
    case Size::Kind::height:
      oh = size.h;
      ow = other_side(size.h, rh, rw);
      break;
    case Size::Kind::percent:
      if (!size.upscale && size.percent > 100) return bad("percentage over 100 needs the ^ prefix");
      ow = std::llround(rw * size.percent / 100.0);
      oh = std::llround(rh * size.percent / 100.0);
      if (ow < 1 || oh < 1) return bad("requested size is less than one pixel");
      break;
    case Size::Kind::exact:
      ow = size.w;
      oh = size.h;
      break;
    case Size::Kind::confined: {
      // Largest size with the region's aspect ratio that fits in w x h.
      const bool width_bound =
          static_cast<__int128>(size.w) * rh <= static_cast<__int128>(size.h) * rw;
      if (width_bound) {
        ow = size.w;
        oh = std::clamp<std::int64_t>(rounded_ratio(rh, size.w, rw), 1, size.h);
      } else {
        oh = size.h;
        ow = std::clamp<std::int64_t>(rounded_ratio(rw, size.h, rh), 1, size.w);
      }
      if (!size.upscale && (ow > rw || oh > rh)) ow = rw, oh = rh;
      break;
    }
  }
  if (!size.upscale && (ow > rw || oh > rh))
    return bad("size is larger than the region; use ^ to upscale");
  if ((limits.max_width && ow > limits.max_width) ||
      (limits.max_height && oh > limits.max_height) ||
      (limits.max_area && static_cast<__int128>(ow) * oh > limits.max_area))
    return bad("requested size exceeds the server's limits");
  if (static_cast<__int128>(ow) * oh > hard_max_area) return bad("requested size is too large");

  view.region = region;
  view.width = ow;
  view.height = oh;
  view.rotation = req.rotation;
  if (req.quality == "gray") view.quality = Quality::grey;
  if (req.quality == "bitonal") view.quality = Quality::bitonal;
  return view;
}

}  // namespace tessera::iiif
