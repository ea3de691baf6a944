#include "server/config.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace tessera {
namespace {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One setting: its flag (also its config-file key), its environment variable, and how to apply
// a textual value to the Config. apply() throws ConfigError with a message naming the problem.
struct Setting {
  std::string flag;
  std::string env;
  std::string help;
  std::function<void(Config&, const std::string&)> apply;
  std::function<std::string(const Config&)> show;
};

long long to_integer(const std::string& v, long long lo, long long hi) {
  long long out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || end != v.data() + v.size())
    throw ConfigError("'" + v + "' is not an integer");
  if (out < lo || out > hi)
    throw ConfigError("'" + v + "' is out of range " + std::to_string(lo) + ".." +
                      std::to_string(hi));
  return out;
}

double to_real(const std::string& v, double lo, double hi) {
  double out = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || end != v.data() + v.size() || !(out >= lo && out <= hi))
    throw ConfigError("'" + v + "' is not a number in " + std::to_string(lo) + ".." +
                      std::to_string(hi));
  return out;
}

bool to_bool(const std::string& v) {
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  throw ConfigError("'" + v + "' is not a boolean (1/0, true/false, yes/no, on/off)");
}

// A setting with named values; iipsrv's numeric codes are accepted as the names' positions.
template <class E, std::size_t N>
E to_choice(const std::string& v, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i)
    if (v == names[i] || v == std::to_string(i)) return static_cast<E>(i);
  std::string list;
  for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  throw ConfigError("'" + v + "' is not one of " + list);
}

constexpr std::array<std::string_view, 3> interpolation_names{"nearest", "bilinear",
                                                              "high-quality"};
constexpr std::array<std::string_view, 4> tiff_compression_names{"none", "lzw", "deflate", "jpeg"};
constexpr std::array<std::string_view, 4> subsampling_names{"auto", "444", "422", "420"};
constexpr std::array<std::string_view, 2> background_names{"white", "black"};

// A size limit: -1 unlimited (stored as 0), else 1..max.
std::int64_t to_limit(const std::string& v, std::int64_t max) {
  const auto n = to_integer(v, -1, max);
  if (n == 0) throw ConfigError("must be positive, or -1 for unlimited");
  return n < 0 ? 0 : n;
}

std::string limit_text(std::int64_t v) {
  return v < 0 ? std::string("max-cvt") : v == 0 ? std::string("-1") : std::to_string(v);
}

// "a,b,c" -> {"a", "b", "c"}; empty items are dropped.
std::vector<std::string> split_list(const std::string& v) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < v.size();) {
    const auto end = std::min(v.find(',', start), v.size());
    if (end > start) out.push_back(v.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

std::chrono::milliseconds to_duration(const std::string& v) {
  double seconds = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(seconds) || seconds <= 0 ||
      seconds > 86400)
    throw ConfigError("'" + v + "' is not a duration in seconds (0 < s <= 86400)");
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::string seconds_text(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  return count % 1000 == 0 ? std::to_string(count / 1000)
                           : std::to_string(static_cast<double>(count) / 1000.0);
}

spdlog::level::level_enum to_level(const std::string& v) {
  // iipsrv's VERBOSITY is a number: 0 quiet ... 3+ detailed.
  if (!v.empty() && std::isdigit(static_cast<unsigned char>(v[0]))) {
    switch (to_integer(v, 0, 10)) {
      case 0:
        return spdlog::level::err;
      case 1:
        return spdlog::level::warn;
      case 2:
        return spdlog::level::info;
      case 3:
        return spdlog::level::debug;
      default:
        return spdlog::level::trace;
    }
  }
  const auto level = spdlog::level::from_str(v);
  if (level == spdlog::level::off && v != "off")
    throw ConfigError("'" + v + "' is not a log level");
  return level;
}

const std::vector<Setting>& settings() {
  using C = Config;
  static const std::vector<Setting> table = {
      {"root", "FILESYSTEM_PREFIX", "directory that holds the images",
       [](C& c, const std::string& v) { c.root = v; }, [](const C& c) { return c.root.string(); }},
      {"suffixes", "FILESYSTEM_SUFFIX",
       "comma-separated suffixes tried after an identifier's exact file name; empty: none",
       [](C& c, const std::string& v) {
         c.suffixes.clear();
         for (const auto& s : split_list(v)) {
           if (s.find('/') != std::string::npos) throw ConfigError("'" + s + "' contains '/'");
           c.suffixes.push_back(s);
         }
       },
       [](const C& c) { return join_list(c.suffixes); }},
      {"host", "TESSERA_HOST", "address to listen on",
       [](C& c, const std::string& v) {
         if (v.empty()) throw ConfigError("must not be empty");
         c.host = v;
       },
       [](const C& c) { return c.host; }},
      {"port", "TESSERA_PORT", "TCP port (0: any free port)",
       [](C& c, const std::string& v) {
         c.port = static_cast<std::uint16_t>(to_integer(v, 0, 65535));
       },
       [](const C& c) { return std::to_string(c.port); }},
      {"threads", "TESSERA_THREADS", "I/O threads (0: number of cores)",
       [](C& c, const std::string& v) {
         c.io_threads = static_cast<unsigned>(to_integer(v, 0, 256));
       },
       [](const C& c) { return std::to_string(c.io_threads); }},
      {"workers", "TESSERA_WORKERS",
       "worker threads for decoding and encoding (0: number of cores)",
       [](C& c, const std::string& v) { c.workers = static_cast<unsigned>(to_integer(v, 0, 256)); },
       [](const C& c) { return std::to_string(c.workers); }},
      {"jpeg-quality", "JPEG_QUALITY", "JPEG quality 1-100",
       [](C& c, const std::string& v) { c.jpeg_quality = static_cast<int>(to_integer(v, 1, 100)); },
       [](const C& c) { return std::to_string(c.jpeg_quality); }},
      {"jpeg-subsampling", "TESSERA_JPEG_SUBSAMPLING",
       "JPEG chroma subsampling: auto (4:4:4 from quality 90), 444, 422 or 420",
       [](C& c, const std::string& v) {
         c.jpeg_subsampling = to_choice<ChromaSubsampling>(v, subsampling_names);
       },
       [](const C& c) {
         return std::string(subsampling_names[static_cast<std::size_t>(c.jpeg_subsampling)]);
       }},
      {"png-quality", "PNG_QUALITY", "PNG zlib compression level 0-9",
       [](C& c, const std::string& v) { c.png_quality = static_cast<int>(to_integer(v, 0, 9)); },
       [](const C& c) { return std::to_string(c.png_quality); }},
      {"jp2-quality", "TESSERA_JP2_QUALITY", "JPEG2000 output quality 1-100, or -1 for lossless",
       [](C& c, const std::string& v) {
         const auto q = to_integer(v, -1, 100);
         if (q == 0) throw ConfigError("must be 1-100, or -1 for lossless");
         c.jp2_quality = static_cast<int>(q);
       },
       [](const C& c) { return std::to_string(c.jp2_quality); }},
      {"webp-quality", "WEBP_QUALITY", "WebP quality 0-100, or -1 for lossless",
       [](C& c, const std::string& v) {
         c.webp_quality = static_cast<int>(to_integer(v, -1, 100));
       },
       [](const C& c) { return std::to_string(c.webp_quality); }},
      {"avif-quality", "AVIF_QUALITY", "AVIF quality 0-100, or -1 for lossless",
       [](C& c, const std::string& v) {
         c.avif_quality = static_cast<int>(to_integer(v, -1, 100));
       },
       [](const C& c) { return std::to_string(c.avif_quality); }},
      {"tiff-compression", "TIFF_COMPRESSION",
       "TIFF output compression: none, lzw, deflate or jpeg (or iipsrv's 0-3)",
       [](C& c, const std::string& v) {
         c.tiff_compression = to_choice<TiffCompression>(v, tiff_compression_names);
       },
       [](const C& c) {
         return std::string(tiff_compression_names[static_cast<std::size_t>(c.tiff_compression)]);
       }},
      {"tiff-quality", "TIFF_QUALITY", "JPEG quality 1-100 inside TIFF outputs",
       [](C& c, const std::string& v) { c.tiff_quality = static_cast<int>(to_integer(v, 1, 100)); },
       [](const C& c) { return std::to_string(c.tiff_quality); }},
      {"interpolation", "INTERPOLATION",
       "resampling filter: nearest, bilinear or high-quality (or iipsrv's 0-1, and 2)",
       [](C& c, const std::string& v) {
         c.interpolation = to_choice<Interpolation>(v, interpolation_names);
       },
       [](const C& c) {
         return std::string(interpolation_names[static_cast<std::size_t>(c.interpolation)]);
       }},
      {"output-bits", "TESSERA_OUTPUT_BITS",
       "sample depth of PNG and TIFF outputs of images deeper than 8 bits: 8 or 16",
       [](C& c, const std::string& v) {
         const auto bits = to_integer(v, 8, 16);
         if (bits != 8 && bits != 16) throw ConfigError("must be 8 or 16");
         c.output_bits = static_cast<int>(bits);
       },
       [](const C& c) { return std::to_string(c.output_bits); }},
      {"background", "TESSERA_BACKGROUND",
       "fill of arbitrary rotations in formats without alpha: white or black",
       [](C& c, const std::string& v) {
         c.background = to_choice<Background>(v, background_names);
       },
       [](const C& c) {
         return std::string(background_names[static_cast<std::size_t>(c.background)]);
       }},
      {"max-icc", "MAX_ICC",
       "largest ICC profile, in bytes, embedded in outputs (0: none, -1: any)",
       [](C& c, const std::string& v) {
         const auto n = to_integer(v, -1, 1 << 30);
         c.max_icc = n < 0 ? std::size_t{1} << 30 : static_cast<std::size_t>(n);
       },
       [](const C& c) { return std::to_string(c.max_icc); }},
      {"convert-icc", "TESSERA_CONVERT_ICC",
       "convert images that carry an ICC profile to sRGB (else the profile is embedded)",
       [](C& c, const std::string& v) { c.convert_icc = to_bool(v); },
       [](const C& c) { return std::string(c.convert_icc ? "true" : "false"); }},
      {"embed-xmp", "TESSERA_EMBED_XMP", "copy the image's XMP metadata into outputs",
       [](C& c, const std::string& v) { c.embed_xmp = to_bool(v); },
       [](const C& c) { return std::string(c.embed_xmp ? "true" : "false"); }},
      {"watermark", "WATERMARK", "image blended onto every output (TIFF, JPEG or JPEG2000)",
       [](C& c, const std::string& v) { c.watermark = v; },
       [](const C& c) { return c.watermark.string(); }},
      {"watermark-opacity", "WATERMARK_OPACITY", "watermark opacity 0-1",
       [](C& c, const std::string& v) { c.watermark_opacity = to_real(v, 0, 1); },
       [](const C& c) { return std::to_string(c.watermark_opacity); }},
      {"watermark-probability", "WATERMARK_PROBABILITY",
       "chance 0-1 that an output gets the watermark",
       [](C& c, const std::string& v) { c.watermark_probability = to_real(v, 0, 1); },
       [](const C& c) { return std::to_string(c.watermark_probability); }},
      {"max-cvt", "MAX_CVT", "largest output width or height in pixels (-1: unlimited)",
       [](C& c, const std::string& v) {
         const auto n = to_integer(v, -1, 1'000'000);
         if (n == 0) throw ConfigError("must be positive, or -1 for unlimited");
         c.max_cvt = n < 0 ? 0 : n;
       },
       [](const C& c) { return c.max_cvt ? std::to_string(c.max_cvt) : std::string("-1"); }},
      {"cors", "CORS", "Access-Control-Allow-Origin value; 'none' disables CORS headers",
       [](C& c, const std::string& v) {
         c.cors = (v == "none" || v == "off" || v.empty()) ? "" : v;
       },
       [](const C& c) { return c.cors.empty() ? std::string("none") : c.cors; }},
      {"cache-control", "CACHE_CONTROL", "Cache-Control header of image and info responses",
       [](C& c, const std::string& v) { c.cache_control = v; },
       [](const C& c) { return c.cache_control; }},
      {"base-url", "BASE_URL",
       "public URL prefix for ids in info.json (default: from the Host header)",
       [](C& c, const std::string& v) {
         if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
           throw ConfigError("must start with http:// or https://");
         c.base_url = v;
       },
       [](const C& c) { return c.base_url; }},
      {"iiif-version", "IIIF_VERSION", "Image API version (2 or 3) of the unversioned /iiif/ route",
       [](C& c, const std::string& v) { c.iiif_version = static_cast<int>(to_integer(v, 2, 3)); },
       [](const C& c) { return std::to_string(c.iiif_version); }},
      {"iiif-delimiter", "IIIF_DELIMITER",
       "separator of a page number in IIIF identifiers (img.tif;3); empty: off",
       [](C& c, const std::string& v) {
         if (v.find_first_of("/%") != std::string::npos || v.size() > 16)
           throw ConfigError("must be a short string without '/' or '%'");
         c.iiif_delimiter = v;
       },
       [](const C& c) { return c.iiif_delimiter; }},
      {"filename-pattern", "FILENAME_PATTERN",
       "what joins an image sequence's stem and its angles (stem_pyr_000_090.tif)",
       [](C& c, const std::string& v) {
         if (v.empty() || v.find_first_of("/%") != std::string::npos || v.size() > 32)
           throw ConfigError("must be a short, non-empty string without '/' or '%'");
         c.filename_pattern = v;
       },
       [](const C& c) { return c.filename_pattern; }},
      {"deepzoom-overlap", "TESSERA_DEEPZOOM_OVERLAP",
       "pixels each DeepZoom tile shares with its neighbours (0-64)",
       [](C& c, const std::string& v) {
         c.deepzoom_overlap = static_cast<int>(to_integer(v, 0, 64));
       },
       [](const C& c) { return std::to_string(c.deepzoom_overlap); }},
      {"max-width", "TESSERA_MAX_WIDTH",
       "largest output width (IIIF maxWidth); default MAX_CVT, -1: unlimited",
       [](C& c, const std::string& v) { c.max_width = to_limit(v, 1'000'000); },
       [](const C& c) { return limit_text(c.max_width); }},
      {"max-height", "TESSERA_MAX_HEIGHT",
       "largest output height (IIIF maxHeight); default MAX_CVT, -1: unlimited",
       [](C& c, const std::string& v) { c.max_height = to_limit(v, 1'000'000); },
       [](const C& c) { return limit_text(c.max_height); }},
      {"max-area", "TESSERA_MAX_AREA",
       "largest output area in pixels (IIIF maxArea); default MAX_CVT squared, -1: unlimited",
       [](C& c, const std::string& v) { c.max_area = to_limit(v, std::int64_t{1} << 40); },
       [](const C& c) { return limit_text(c.max_area); }},
      {"allow-upscaling", "ALLOW_UPSCALING", "serve sizes larger than the requested region",
       [](C& c, const std::string& v) { c.allow_upscaling = to_bool(v); },
       [](const C& c) { return std::string(c.allow_upscaling ? "true" : "false"); }},
      {"preferred-formats", "TESSERA_PREFERRED_FORMATS",
       "IIIF preferredFormats, comma-separated (e.g. webp,jpg)",
       [](C& c, const std::string& v) {
         c.preferred_formats.clear();
         for (const auto& f : split_list(v)) {
           const OutputFormat* format = find_output_format(f);
           if (!format || format->extension != f)
             throw ConfigError("'" + f + "' is not an output format's extension");
           c.preferred_formats.push_back(f);
         }
       },
       [](const C& c) { return join_list(c.preferred_formats); }},
      {"rights", "TESSERA_RIGHTS",
       "licence or rights statement URI for images whose file states none (IIIF rights/license)",
       [](C& c, const std::string& v) {
         if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
           throw ConfigError("must be an http:// or https:// URI");
         c.rights = v;
       },
       [](const C& c) { return c.rights; }},
      {"attribution", "TESSERA_ATTRIBUTION",
       "IIIF 2.1 attribution text for images whose file states none",
       [](C& c, const std::string& v) { c.attribution = v; },
       [](const C& c) { return c.attribution; }},
      {"iiif-extra-info", "IIIF_EXTRA_INFO",
       "JSON object whose members are added to every info.json (e.g. a service)",
       [](C& c, const std::string& v) {
         if (!v.empty()) {
           const auto doc = nlohmann::ordered_json::parse(v, nullptr, false);
           if (doc.is_discarded() || !doc.is_object()) throw ConfigError("must be a JSON object");
         }
         c.iiif_extra_info = v;
       },
       [](const C& c) { return c.iiif_extra_info; }},
      {"image-cache-mb", "MAX_IMAGE_CACHE_SIZE", "memory for cached encoded tiles, in MB",
       [](C& c, const std::string& v) {
         c.image_cache_mb = static_cast<std::size_t>(to_integer(v, 0, 1 << 20));
       },
       [](const C& c) { return std::to_string(c.image_cache_mb); }},
      {"passthrough", "TESSERA_PASSTHROUGH",
       "send a stored JPEG or WebP tile as it is when a request asks for exactly that tile",
       [](C& c, const std::string& v) { c.passthrough = to_bool(v); },
       [](const C& c) { return std::string(c.passthrough ? "true" : "false"); }},
      {"metadata-cache", "MAX_METADATA_CACHE_SIZE", "number of images kept open with their headers",
       [](C& c, const std::string& v) {
         c.metadata_cache = static_cast<std::size_t>(to_integer(v, 1, 10'000'000));
       },
       [](const C& c) { return std::to_string(c.metadata_cache); }},
      {"max-open-files", "TESSERA_MAX_OPEN_FILES",
       "idle image file handles kept open across all images",
       [](C& c, const std::string& v) {
         c.max_open_files = static_cast<std::size_t>(to_integer(v, 0, 1'000'000));
       },
       [](const C& c) { return std::to_string(c.max_open_files); }},
      {"memcached-servers", "MEMCACHED_SERVERS",
       "memcached servers shared by several instances, host[:port],... (empty: off)",
       [](C& c, const std::string& v) {
         auto servers = parse_memcached_servers(v);
         if (!servers) throw ConfigError(servers.error().message);
         c.memcached_servers = std::move(*servers);
       },
       [](const C& c) { return to_string(c.memcached_servers); }},
      // Memcached reads expiry times over 30 days as absolute Unix times, so they are refused.
      {"memcached-timeout", "MEMCACHED_TIMEOUT",
       "seconds a tile stays in memcached (0: until evicted; at most 2592000, 30 days)",
       [](C& c, const std::string& v) {
         c.memcached_timeout = static_cast<std::uint32_t>(to_integer(v, 0, 2'592'000));
       },
       [](const C& c) { return std::to_string(c.memcached_timeout); }},
      // iipsrv decodes half the layers when this is 0; Tessera decodes all of them.
      {"max-layers", "MAX_LAYERS", "JPEG2000 quality layers to decode (0: all)",
       [](C& c, const std::string& v) { c.max_layers = static_cast<int>(to_integer(v, 0, 65535)); },
       [](const C& c) { return std::to_string(c.max_layers); }},
      {"log-level", "VERBOSITY", "trace, debug, info, warn, error or off (or iipsrv's 0-4)",
       [](C& c, const std::string& v) { c.log_level = to_level(v); },
       [](const C& c) { return std::string(spdlog::level::to_string_view(c.log_level).data()); }},
      {"logfile", "LOGFILE", "log to this file, or 'syslog' (default: standard error)",
       [](C& c, const std::string& v) { c.logfile = v; }, [](const C& c) { return c.logfile; }},
      {"max-header-bytes", "TESSERA_MAX_HEADER_BYTES", "largest accepted request header, in bytes",
       [](C& c, const std::string& v) {
         c.max_header_bytes = static_cast<std::size_t>(to_integer(v, 512, 1 << 20));
       },
       [](const C& c) { return std::to_string(c.max_header_bytes); }},
      {"read-timeout", "TESSERA_READ_TIMEOUT", "seconds allowed for a client to send a request",
       [](C& c, const std::string& v) { c.read_timeout = to_duration(v); },
       [](const C& c) { return seconds_text(c.read_timeout); }},
      {"keepalive-timeout", "TESSERA_KEEPALIVE_TIMEOUT",
       "seconds an idle keep-alive connection stays open",
       [](C& c, const std::string& v) { c.keepalive_timeout = to_duration(v); },
       [](const C& c) { return seconds_text(c.keepalive_timeout); }},
      {"write-timeout", "TESSERA_WRITE_TIMEOUT",
       "seconds allowed for a client to receive a response",
       [](C& c, const std::string& v) { c.write_timeout = to_duration(v); },
       [](const C& c) { return seconds_text(c.write_timeout); }},
      {"shutdown-grace", "TESSERA_SHUTDOWN_GRACE",
       "seconds to finish in-flight requests on SIGTERM/SIGINT",
       [](C& c, const std::string& v) { c.shutdown_grace = to_duration(v); },
       [](const C& c) { return seconds_text(c.shutdown_grace); }},
      {"max-connections", "TESSERA_MAX_CONNECTIONS",
       "open connections beyond which new ones get 503",
       [](C& c, const std::string& v) {
         c.max_connections = static_cast<std::size_t>(to_integer(v, 1, 1'000'000));
       },
       [](const C& c) { return std::to_string(c.max_connections); }},
      {"max-pipeline", "TESSERA_MAX_PIPELINE", "pipelined requests read ahead per connection",
       [](C& c, const std::string& v) {
         c.max_pipeline = static_cast<std::size_t>(to_integer(v, 1, 1024));
       },
       [](const C& c) { return std::to_string(c.max_pipeline); }},
  };
  return table;
}

// A config-file key may be the flag name (jpeg-quality, jpeg_quality) or the variable name.
std::string normalise_key(std::string key) {
  for (char& ch : key)
    ch = ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return key;
}

std::map<std::string, std::string> read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("config: cannot read file '" + path + "'");
  std::map<std::string, std::string> values;
  CLI::ConfigINI parser;
  for (const CLI::ConfigItem& item : parser.from_config(in)) {
    if (item.inputs.empty()) continue;
    const std::string key = normalise_key(item.fullname());
    bool known = false;
    for (const Setting& s : settings())
      if (key == s.flag || key == normalise_key(s.env)) {
        values[s.flag] = item.inputs.front();
        known = true;
      }
    if (!known) throw ConfigError("config: unknown setting '" + item.fullname() + "' in " + path);
  }
  return values;
}

}  // namespace

unsigned Config::effective_io_threads() const {
  return io_threads ? io_threads : std::max(1u, std::thread::hardware_concurrency());
}
unsigned Config::effective_workers() const {
  return workers ? workers : std::max(1u, std::thread::hardware_concurrency());
}

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

ConfigOutcome load_config(const std::vector<std::string>& args, const EnvLookup& env,
                          const std::filesystem::path& default_root) {
  ConfigOutcome out;
  Config defaults;
  defaults.root = default_root;

  CLI::App app{
      "Tessera: a IIIF and IIP image tile server for gigapixel images.\n"
      "Each setting can also come from the environment variable shown, or from --config.\n"
      "Precedence: flag > environment > config file > default.",
      "tessera"};
  app.set_version_flag("--version", std::string("tessera ") + TESSERA_VERSION);
  std::map<std::string, std::string> given;  // flag -> value from the command line
  std::string config_path;
  app.add_option("--config", config_path, "read settings from this INI-style file (key = value)")
      ->envname("TESSERA_CONFIG");
  for (const Setting& s : settings()) {
    app.add_option_function<std::string>(
           "--" + s.flag, [&given, flag = s.flag](const std::string& v) { given[flag] = v; },
           s.help + "  [env " + s.env + ", default '" + s.show(defaults) + "']")
        ->type_name("VALUE")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }

  std::vector<std::string> reversed(args.rbegin(), args.rend() - (args.empty() ? 0 : 1));
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out.action = ConfigOutcome::Action::exit_ok;
    out.message = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.action = ConfigOutcome::Action::exit_ok;
    out.message = app.version();
    return out;
  } catch (const CLI::ParseError& e) {
    out.action = ConfigOutcome::Action::exit_error;
    out.message = std::string(e.what()) + "\nRun with --help for the list of settings.";
    return out;
  }

  Config config = defaults;
  try {
    const auto from_file =
        config_path.empty() ? std::map<std::string, std::string>{} : read_config_file(config_path);
    for (const Setting& s : settings()) {
      std::optional<std::string> value;
      std::string origin;
      if (auto it = given.find(s.flag); it != given.end()) {
        value = it->second, origin = "--" + s.flag;
      } else if (auto e = env(s.env)) {
        value = *e, origin = s.env;
      } else if (auto f = from_file.find(s.flag); f != from_file.end()) {
        value = f->second, origin = s.flag + " in " + config_path;
      }
      if (!value) continue;
      try {
        s.apply(config, *value);
      } catch (const ConfigError& e) {
        throw ConfigError("invalid " + origin + ": " + e.what());
      }
    }
  } catch (const ConfigError& e) {
    out.action = ConfigOutcome::Action::exit_error;
    out.message = e.what();
    return out;
  } catch (const CLI::Error& e) {  // a malformed config file
    out.action = ConfigOutcome::Action::exit_error;
    out.message = "config: " + std::string(e.what());
    return out;
  }
  out.config = std::move(config);
  return out;
}

}  // namespace tessera
