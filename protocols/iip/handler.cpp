#include "protocols/iip/handler.hpp"

#include <algorithm>
#include <cmath>

#include "imaging/image_sequence.hpp"
#include "protocols/iip/data_queries.hpp"
#include "protocols/iip/objects.hpp"

namespace tessera::iip {
namespace {

constexpr std::int64_t max_area = std::int64_t{1} << 28;

Response iip_error(const IipError& e) {
  Response r = make_response(e.status, std::string(netfpx), format_error(e));
  r.set("Cache-Control", "no-cache");
  r.set("Content-Disposition", "inline;filename=\"IIPisAMadGameClosedToOurUnderstanding.netfpx\"");
  return r;
}

// Tessera's errors in IIP form; never a path (the identifier is not echoed either).
IipError image_error(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
    case Errc::forbidden:
      return {1, 1, "FIF", 404};
    case Errc::bad_request:
      return bad_argument("FIF");
    default:
      return {1, 2, "FIF", e.status()};
  }
}

// Failures while rendering on a worker, in IIP's form.
Response render_error(const Error& e) {
  return iip_error(image_error(e));
}

void powered(Response& r) {
  r.set("X-Powered-By", "IIPImage");
}

// The nominal power-of-two factor between the full image and a level, as the pipeline maps it.
std::int64_t level_factor(std::int64_t full, std::int64_t level) {
  const double ratio = static_cast<double>(full) / static_cast<double>(level);
  return std::int64_t{1} << static_cast<int>(std::lround(std::max(0.0, std::log2(ratio))));
}

// A level's [lo, hi) pixels in full-resolution coordinates (the last one reaching the edge).
void to_full(std::int64_t lo, std::int64_t hi, std::int64_t level, std::int64_t full,
             std::int64_t& out_lo, std::int64_t& out_len) {
  const std::int64_t f = level_factor(full, level);
  out_lo = std::min(lo * f, full - 1);
  const std::int64_t end = hi >= level ? full : std::min(hi * f, full);
  out_len = std::max<std::int64_t>(1, end - out_lo);
}

// The file name's stem, safe inside a quoted header parameter: file names may hold quotes,
// backslashes or control characters, which must not reach a header.
std::string stem_of(std::string_view identifier) {
  auto slash = identifier.find_last_of('/');
  if (slash != std::string_view::npos) identifier.remove_prefix(slash + 1);
  auto dot = identifier.rfind('.');
  std::string stem(identifier.substr(0, dot == 0 ? identifier.size() : dot));
  for (char& c : stem)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"' || c == '\\') c = '_';
  return stem;
}

}  // namespace

struct Handler::State {
  State(const ImageRoot& root, std::string pattern) : sequences(root, std::move(pattern)) {}
  SequenceFinder sequences;
};

struct Handler::Session {
  const Request* request = nullptr;
  std::string query;  // as sent, for "2 1"
  std::vector<Command> commands;
  std::size_t next = 0;
  std::optional<ImageTarget> target;
  std::string identifier;
  std::shared_ptr<const ImageSource> source;
  View view;
  std::optional<RegionArg> region;
  std::optional<std::int64_t> width, height;
  EncodeOptions encode;
  ObjBody body;
  bool swapped = false;
  std::shared_ptr<const ImageSequence> sequence;  // FIF named a sequence's stem
  int horizontal = 0, vertical = 90;              // its view shown
};

Handler::Handler(const ImageService& service, Options options)
    : service_(service),
      options_(std::move(options)),
      state_(std::make_unique<State>(service.engine().root(), options_.filename_pattern)) {}

Handler::~Handler() = default;

Reply Handler::handle(const Request& request, std::string_view query) const {
  Session s;
  s.request = &request;
  s.query = std::string(query.substr(0, 4 * max_value_length));
  if (auto e = parse_query(query, s.commands)) return iip_error(*e);
  s.view = service_.engine().view_defaults();
  s.encode = service_.engine().encode_options();
  return run(std::move(s));
}

// Like ImageService::with_source, with failures in IIP's error form.
Reply Handler::open_then_run(Session s) const {
  Engine& engine = service_.engine();
  if (auto cached = engine.cached_source(s.target->file, s.target->page)) {
    s.source = std::move(cached);
    return run(std::move(s));
  }
  return Deferred{[this, copy = *s.request, s = std::move(s)]() mutable -> Reply {
    auto opened = service_.engine().open_source(s.target->file, s.target->page);
    if (!opened) {
      IipError e = image_error(opened.error());
      if (opened.error().code == Errc::not_found && s.target->page != 0) e = out_of_range("SDS");
      return iip_error(e);
    }
    s.source = std::move(opened.value());
    s.request = &copy;
    return run(std::move(s));
  }};
}

std::optional<IipError> Handler::open_sequence(Session& s) const {
  auto sequence = state_->sequences.find(s.identifier);
  if (!sequence) return image_error(make_error(Errc::not_found, ""));  // no file, no sequence
  s.sequence = std::move(sequence.value());
  const auto& vs = s.sequence->vertical_angles;
  s.horizontal = s.sequence->horizontal_angles.front();
  if (std::ranges::find(vs, 90) == vs.end()) s.vertical = vs.front();
  auto id = s.sequence->identifier(s.horizontal, s.vertical);
  auto target = service_.locate(id ? *id : s.sequence->files.begin()->second);
  if (!target) return image_error(target.error());
  s.target = std::move(target.value());
  s.source.reset();
  return std::nullopt;
}

Reply Handler::run(Session s) const {
  while (s.next < s.commands.size()) {
    const Command& c = s.commands[s.next++];
    const std::string& v = c.value;
    const std::string& n = c.name;
    const bool output = n == "jtl" || n == "ptl" || n == "wtl" || n == "ttl" || n == "atl" ||
                        n == "jtls" || n == "cvt" || n == "pfl" || n == "spectra";
    if (!s.source && (output || n == "minmax" || n == "sds")) return iip_error({1, 3, v, 400});

    if (n == "fif") {
      s.identifier = v;
      s.sequence.reset();
      s.horizontal = 0;
      s.vertical = 90;  // iipsrv's FIF resets the view to 0, 90
      auto target = service_.locate(v);
      if (!target && target.error().code == Errc::not_found) {
        // No such file: a sequence's stem? Finding out may scan a directory: on a worker.
        return Deferred{[this, copy = *s.request, s = std::move(s)]() mutable -> Reply {
          s.request = &copy;
          if (auto e = open_sequence(s)) return iip_error(*e);
          return open_then_run(std::move(s));
        }};
      }
      if (!target) return iip_error(image_error(target.error()));
      s.target = std::move(target.value());
      s.source.reset();
      return open_then_run(std::move(s));
    } else if (n == "obj") {
      std::string o = v;
      for (char& ch : o) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      ObjContext ctx;
      if (s.source) {
        ctx.info = &s.source->info();
        if (ctx.info->stack_size > 1) {
          ctx.horizontal.clear();
          for (std::size_t i = 0; i < ctx.info->stack_size; ++i) {
            ctx.horizontal.push_back(static_cast<int>(i));
            ctx.stack_names.push_back(std::to_string(i));
          }
        }
      }
      if (s.sequence) {
        ctx.horizontal = s.sequence->horizontal_angles;
        ctx.vertical = s.sequence->vertical_angles;
      }
      ctx.swapped = s.swapped;
      if (auto e = append_object(o, ctx, s.body)) return iip_error(*e);
    } else if (n == "jtl" || n == "ptl" || n == "wtl" || n == "ttl" || n == "atl") {
      static constexpr std::pair<char, std::string_view> formats[] = {
          {'j', "jpg"}, {'p', "png"}, {'w', "webp"}, {'t', "tif"}, {'a', "avif"}};
      const OutputFormat* format = nullptr;
      for (auto [letter, ext] : formats)
        if (n[0] == letter) format = find_output_format(ext);
      auto t = parse_tile(v);
      if (!t) return iip_error(bad_argument(c.raw_name));
      if (!format) return iip_error({2, 2, c.raw_name, 400});
      return tile(s, *format, t->resolution, t->tile);
    } else if (n == "jtls") {
      auto t = parse_jtls(v);
      if (!t) return iip_error(bad_argument(c.raw_name));
      if (s.sequence) {  // select the view, then the tile (as SDS=x,y&JTL=r,t)
        const std::string sds = std::to_string(t->horizontal) + "," + std::to_string(t->vertical);
        const std::string jtl =
            std::to_string(t->tile.resolution) + "," + std::to_string(t->tile.tile);
        const auto at = s.commands.begin() + static_cast<std::ptrdiff_t>(s.next);
        s.commands.insert(at, {{"sds", c.raw_name, sds}, {"jtl", c.raw_name, jtl}});
        continue;
      }
      return tile(s, *find_output_format("jpg"), t->tile.resolution, t->tile.tile);
    } else if (n == "cvt") {
      const OutputFormat* format = parse_format(v);
      return convert(s, format ? *format : *find_output_format("jpg"));  // iipsrv: else JPEG
    } else if (n == "pfl" || n == "spectra") {
      return data_query(s, c);
    } else if (n == "wid" || n == "hei") {
      auto size = parse_size(v);
      if (!size) return iip_error(bad_argument(c.raw_name));
      (n == "wid" ? s.width : s.height) = *size;
    } else if (n == "rgn") {
      s.region = parse_region(v);
      if (!s.region) return iip_error(bad_argument(c.raw_name));
    } else if (n == "rot") {
      auto r = parse_rotation(v);
      if (!r) return iip_error(bad_argument(c.raw_name));
      s.view.rotation = *r;
      s.swapped = r->degrees == 90 || r->degrees == 270;
    } else if (n == "qlt") {
      auto q = parse_quality(v, s.encode);
      if (!q) return iip_error(bad_argument(c.raw_name));
      s.encode = *q;
    } else if (n == "cnt") {
      auto x = parse_contrast(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.contrast = *x;
    } else if (n == "gam") {
      auto x = parse_gamma(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.gamma = *x;
    } else if (n == "minmax") {
      auto x = parse_minmax(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      if (x->band < s.source->info().bands) s.view.ranges.push_back(*x);  // else ignored
    } else if (n == "cmp") {
      auto x = parse_colormap(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.colormap = *x;
    } else if (n == "inv") {
      s.view.invert = true;
    } else if (n == "ctw") {
      auto x = parse_twist(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.twist = *x;
    } else if (n == "shd") {
      auto x = parse_shade(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.shade = *x;
    } else if (n == "col") {
      auto x = parse_colour(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.quality = *x;
    } else if (n == "cnv") {
      auto x = parse_kernel(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      s.view.kernel = *x;
    } else if (n == "lyr") {
      // Validated only: the number of JPEG2000 layers decoded is an engine-wide setting.
      if (!parse_layers(v)) return iip_error(bad_argument(c.raw_name));
    } else if (n == "sds") {
      auto x = parse_sds(v);
      if (!x) return iip_error(bad_argument(c.raw_name));
      const ImageInfo& info = s.source->info();
      if (s.sequence) {
        auto id = s.sequence->identifier(x->horizontal, x->vertical);
        // "SDS=x" alone: iipsrv's vertical 0, else the current one (multispectral series).
        if (!id && v.find(',') == std::string::npos)
          id = s.sequence->identifier(x->horizontal, s.vertical);
        if (!id) return iip_error(out_of_range(c.raw_name));
        auto target = service_.locate(*id);
        if (!target) return iip_error(image_error(target.error()));
        s.horizontal = x->horizontal;
        if (*id == s.sequence->identifier(x->horizontal, x->vertical)) s.vertical = x->vertical;
        s.target = std::move(target.value());
        s.source.reset();
        return open_then_run(std::move(s));
      }
      if (info.stack_size > 1) {
        if (x->horizontal < 0 || static_cast<std::size_t>(x->horizontal) >= info.stack_size)
          return iip_error(out_of_range(c.raw_name));
        if (static_cast<std::size_t>(x->horizontal) != s.target->page) {
          s.target->page = static_cast<std::size_t>(x->horizontal);
          s.source.reset();
          return open_then_run(std::move(s));
        }
      }  // a single image has one view: the angles are ignored, as iipsrv does
    } else if (n == "icc") {
      // iipsrv's ICC command is a stub; accepted and ignored.
    } else {
      return iip_error({2, 2, c.raw_name, 400});
    }
  }
  if (!s.body.produced()) return iip_error({2, 1, s.query, 400});
  const std::string text = s.body.text();
  Response r = s.target ? service_.document(*s.request, *s.target, "iip|" + s.query,
                                            s.body.content_type, [&] { return text; })
                        : make_response(200, s.body.content_type, text);
  powered(r);
  return r;
}

Reply Handler::tile(const Session& s, const OutputFormat& format, int resolution,
                    std::int64_t index) const {
  const ImageInfo& info = s.source->info();
  const int count = static_cast<int>(info.levels.size());
  if (resolution >= count) return iip_error(out_of_range("resolution"));
  const LevelInfo& lv = info.levels[static_cast<std::size_t>(count - 1 - resolution)];
  const std::int64_t tw = std::max<std::int64_t>(1, lv.tile_width);
  const std::int64_t th = std::max<std::int64_t>(1, lv.tile_height);
  const std::int64_t across = ceil_div(lv.width, tw), down = ceil_div(lv.height, th);
  if (index >= across * down) return iip_error(out_of_range("tile"));
  // iipsrv turns the whole grid for ROT=180: tile t shows tile n-1-t turned.
  if (s.view.rotation.degrees == 180 && !s.view.rotation.mirror) index = across * down - 1 - index;
  const std::int64_t x0 = index % across * tw, y0 = index / across * th;
  const std::int64_t x1 = std::min(x0 + tw, lv.width), y1 = std::min(y0 + th, lv.height);

  View view = s.view;
  to_full(x0, x1, lv.width, info.width(), view.region.x, view.region.w);
  to_full(y0, y1, lv.height, info.height(), view.region.y, view.region.h);
  view.width = x1 - x0;
  view.height = y1 - y0;
  return service_.render(*s.request, *s.target, s.source, view, format, s.encode, powered,
                         render_error);
}

Reply Handler::convert(const Session& s, const OutputFormat& format) const {
  const ImageInfo& info = s.source->info();
  const std::int64_t W = info.width(), H = info.height();
  const RegionArg rgn = s.region.value_or(RegionArg{});
  View view = s.view;
  Rect& r = view.region;
  r.x = std::min<std::int64_t>(std::llround(rgn.x * static_cast<double>(W)), W - 1);
  r.y = std::min<std::int64_t>(std::llround(rgn.y * static_cast<double>(H)), H - 1);
  r.w = std::clamp<std::int64_t>(std::llround(rgn.w * static_cast<double>(W)), 1, W - r.x);
  r.h = std::clamp<std::int64_t>(std::llround(rgn.h * static_cast<double>(H)), 1, H - r.y);

  const double ratio = static_cast<double>(r.w) / static_cast<double>(r.h);
  double w = static_cast<double>(r.w), h = static_cast<double>(r.h);
  if (s.width && s.height) {
    w = static_cast<double>(*s.width);
    h = w / ratio;
    if (h > static_cast<double>(*s.height)) {
      h = static_cast<double>(*s.height);
      w = h * ratio;
    }
  } else if (s.width) {
    w = static_cast<double>(*s.width);
    h = w / ratio;
  } else if (s.height) {
    h = static_cast<double>(*s.height);
    w = h * ratio;
  }
  // Neither: the region at full resolution (iipsrv stretches it to the whole image's size).
  if (!options_.allow_upscaling && w > static_cast<double>(r.w)) {
    w = static_cast<double>(r.w);
    h = static_cast<double>(r.h);
  }
  const double limit = static_cast<double>(options_.max_cvt);
  if (limit > 0 && std::max(w, h) > limit) {
    if (w >= h)
      w = limit, h = limit / ratio;
    else
      h = limit, w = limit * ratio;
  }
  if (w * h > static_cast<double>(max_area)) {
    const double k = std::sqrt(static_cast<double>(max_area) / (w * h));
    w *= k;
    h *= k;
  }
  view.width = std::max<std::int64_t>(1, std::llround(w));
  view.height = std::max<std::int64_t>(1, std::llround(h));
  const std::string filename = stem_of(s.identifier) + "." + std::string(format.extension);
  return service_.render(
      *s.request, *s.target, s.source, view, format, s.encode,
      [filename](Response& resp) {
        powered(resp);
        resp.set("Content-Disposition", "inline;filename=\"" + filename + "\"");
      },
      render_error);
}

// The images a data query reads across: a sequence's horizontal views (the wavelengths of a
// multispectral series) at the current vertical angle, else a stack's pages, else the image.
// `versions` gets what identifies the files read, for the answer's validators.
Result<std::vector<SpectralImage>> Handler::spectral_series(const Session& s,
                                                            std::string& versions) const {
  std::vector<SpectralImage> series;
  Engine& engine = service_.engine();
  if (s.sequence) {
    for (int h : s.sequence->horizontal_angles) {
      auto id = s.sequence->identifier(h, s.vertical);
      if (!id) continue;
      auto file = engine.resolve(*id);
      if (!file) return file.error();
      versions += ImageTarget{*file, 0}.key() + ";";
      auto src = engine.open_source(*file);
      if (!src) return src.error();
      series.push_back({std::to_string(h), std::move(src.value())});
    }
    return series;
  }
  const ImageInfo& info = s.source->info();
  for (std::size_t i = 0; i < info.stack_size; ++i) {
    auto src = info.stack_size > 1 ? engine.open_source(s.target->file, i)
                                   : Result<std::shared_ptr<const ImageSource>>(s.source);
    if (!src) return src.error();
    series.push_back({std::to_string(i), std::move(src.value())});
  }
  return series;
}

Reply Handler::data_query(const Session& s, const Command& c) const {
  const bool profile = c.name == "pfl";
  std::optional<ProfileQuery> pfl;
  std::optional<SpectraQuery> spectra;
  if (profile) {
    auto q = parse_profile(c.value);
    if (!q) return iip_error(bad_argument(c.raw_name));
    pfl = *q;
  } else {
    auto q = parse_spectra(c.value);
    if (!q) return iip_error(bad_argument(c.raw_name));
    spectra = *q;
  }
  // Both read pixels (SPECTRA opens every image of the series): on a worker.
  return Deferred{[this, copy = *s.request, s, pfl, spectra, raw = c.raw_name]() -> Response {
    std::string versions;
    auto series = spectral_series(s, versions);
    if (!series) return iip_error(image_error(series.error()));
    Result<std::string> text = pfl ? profile_json(*series, *pfl) : spectra_xml(*series, *spectra);
    if (!text) {
      if (text.error().code == Errc::bad_request) return iip_error(bad_argument(raw));
      // Still IIP's form (was plain text): a tile past the grid is out of range, as JTL's is;
      // pixels that cannot be read are a render failure.
      if (text.error().code == Errc::not_found) return iip_error(out_of_range(raw));
      return render_error(text.error());
    }
    const std::string type = pfl ? "application/json" : "application/xml";
    Response r = service_.document(copy, *s.target, "iip|" + s.query + "|" + versions, type,
                                   [&] { return text.value(); });
    powered(r);
    return r;
  }};
}

}  // namespace tessera::iip
