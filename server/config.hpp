#pragma once
// Every setting of the server, in one typed struct with defaults. Values come from command-line
// flags, environment variables (iipsrv's names where the meaning is the same) and an optional
// config file, with that precedence: flag > environment > file > default.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/common.h>

#include "cache/memcached_cache.hpp"
#include "imaging/encoder.hpp"
#include "imaging/view.hpp"

namespace tessera {

struct Config {
  std::filesystem::path root;  // image root; default: the bundled sample directory
  // Tried in order after an identifier's exact file name: "img" finds "img.tif".
  std::vector<std::string> suffixes{".tif", ".tiff", ".ptif", ".jp2"};
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned io_threads = 0;  // 0: number of cores
  unsigned workers = 0;     // 0: number of cores
  int jpeg_quality = 75;
  ChromaSubsampling jpeg_subsampling = ChromaSubsampling::automatic;
  int png_quality = 1;    // zlib level
  int webp_quality = 50;  // -1: lossless
  int avif_quality = 50;  // -1: lossless
  int jp2_quality = -1;   // -1: lossless
  TiffCompression tiff_compression = TiffCompression::deflate;
  int tiff_quality = 75;
  Interpolation interpolation = Interpolation::high_quality;
  int output_bits = 8;  // 16: PNG and TIFF outputs of deeper images keep 16 bits
  Background background = Background::white;
  std::size_t max_icc = 65536;  // largest ICC profile embedded in outputs; 0: none
  bool convert_icc = false;     // convert images with a profile to sRGB
  bool embed_xmp = false;
  std::filesystem::path watermark;  // empty: none
  double watermark_opacity = 1;
  double watermark_probability = 1;
  std::int64_t max_cvt = 5000;  // largest output side in pixels; 0: unlimited
  std::string cors = "*";       // Access-Control-Allow-Origin; empty: no CORS headers
  std::string cache_control = "max-age=86400";
  std::string base_url;                    // public URL prefix used in info.json ids
  int iiif_version = 3;                    // of the unversioned /iiif/ route
  std::string iiif_delimiter = ";";        // page selection in IIIF identifiers; empty: off
  std::string filename_pattern = "_pyr_";  // image sequences: {stem}{pattern}{h}_{v}.tif
  int deepzoom_overlap = 0;                // pixels DeepZoom tiles share with neighbours
  // Output size limits; -1: derived from max_cvt (area: its square), 0: unlimited.
  std::int64_t max_width = -1, max_height = -1, max_area = -1;
  bool allow_upscaling = true;
  std::vector<std::string> preferred_formats;
  std::string rights;                 // default rights/licence URI
  std::string attribution;            // default IIIF 2.1 attribution
  std::string iiif_extra_info;        // JSON object merged into info.json
  std::size_t image_cache_mb = 256;   // encoded responses
  bool passthrough = true;            // stored JPEG/WebP tiles sent without re-encoding
  std::size_t metadata_cache = 1000;  // open images (headers)
  std::size_t max_open_files = 256;   // idle file handles kept across all open images
  int max_layers = 0;                 // JPEG2000 quality layers decoded (0: all)
  // The cache shared with other instances (empty: off), and its item expiry in seconds (0: never).
  std::vector<MemcachedServer> memcached_servers;
  std::uint32_t memcached_timeout = 86400;
  spdlog::level::level_enum log_level = spdlog::level::info;
  std::string logfile;  // empty: stderr; "syslog": the system log
  std::size_t max_header_bytes = 8192;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds keepalive_timeout{15'000};
  std::chrono::milliseconds write_timeout{60'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  std::size_t max_connections = 1024;
  std::size_t max_pipeline = 8;  // requests read ahead on one connection

  unsigned effective_io_threads() const;
  unsigned effective_workers() const;
  // The configured limits with max_cvt filled in.
  std::int64_t effective_max_width() const { return max_width < 0 ? max_cvt : max_width; }
  std::int64_t effective_max_height() const { return max_height < 0 ? max_cvt : max_height; }
  std::int64_t effective_max_area() const { return max_area >= 0 ? max_area : max_cvt * max_cvt; }
};

// How a settings source is looked up, so tests can pass their own environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup process_environment();

struct ConfigOutcome {
  enum class Action { run, exit_ok, exit_error } action = Action::run;
  std::string message;  // help/version text, or the error naming the bad setting
  Config config;
};

// Reads the command line (argv[0] included), the environment and the config file it names.
ConfigOutcome load_config(const std::vector<std::string>& args, const EnvLookup& env,
                          const std::filesystem::path& default_root);

}  // namespace tessera
