#pragma once
// The tile engine: the shared, thread-safe state behind every protocol. It resolves identifiers
// inside the image root, keeps recently used images open (header read once), renders and encodes,
// and holds the cache of encoded responses. It never touches the network; the server runs its
// blocking calls (open_source, render_encoded) on the worker pool.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cache/lru_cache.hpp"
#include "cache/second_level_cache.hpp"
#include "imaging/encoder.hpp"
#include "imaging/image_root.hpp"
#include "imaging/image_source.hpp"
#include "imaging/pipeline.hpp"

namespace tessera {

struct EngineOptions {
  std::filesystem::path root;
  std::vector<std::string> suffixes;   // tried after an identifier's exact name, in order
  std::size_t max_open_images = 1000;  // headers kept, with their open files
  SourceOptions sources;
  std::size_t response_cache_bytes = 256u << 20;
  // Send a stored JPEG/WebP tile as it is when a view is exactly that tile (no decode/encode).
  bool passthrough = true;
  // Optional cache shared with other instances (memcached); null when not configured.
  std::shared_ptr<SecondLevelCache> shared_cache;
  EncodeOptions encode;
  RenderSettings render;
  View view_defaults;  // server-wide choices (interpolation, depth, background...) every view
                       // starts from
};

using SharedBytes = std::shared_ptr<const std::string>;

// Opens any image Tessera reads (TIFF, JPEG, JPEG2000), recognised by its first bytes.
Result<std::shared_ptr<const ImageSource>> open_image(const std::filesystem::path& path,
                                                      const SourceOptions& options = {});

class Engine {
 public:
  explicit Engine(const EngineOptions& options);

  Result<ResolvedFile> resolve(std::string_view identifier) const {
    return root_.resolve(identifier);
  }
  const ImageRoot& root() const noexcept { return root_; }

  // Cheap: an already open image if this exact file version is cached, else nullptr.
  std::shared_ptr<const ImageSource> cached_source(const ResolvedFile& file, std::size_t image = 0);
  // Blocking: opens the file and reads its header (run on a worker). `image` selects an image
  // of a stack (multi-page file); Errc::not_found when there is no such image.
  Result<std::shared_ptr<const ImageSource>> open_source(const ResolvedFile& file,
                                                         std::size_t image = 0);

  // Blocking: the pixels `view` asks for, encoded with `options` (encode_options(), or a
  // request's own quality).
  Result<std::string> render_encoded(const ImageSource& source, const View& view,
                                     const OutputFormat& format,
                                     const EncodeOptions& options) const;

  bool passes_through() const noexcept { return options_.passthrough; }
  // Responses sent as the file's stored tile bytes (EngineOptions::passthrough).
  std::uint64_t passthrough_count() const noexcept {
    return passthrough_count_.load(std::memory_order_relaxed);
  }

  const EncodeOptions& encode_options() const noexcept { return options_.encode; }
  const View& view_defaults() const noexcept { return options_.view_defaults; }
  SecondLevelCache* shared_cache() const noexcept { return options_.shared_cache.get(); }

  using ResponseCache = ShardedLru<std::string, SharedBytes>;
  ResponseCache& responses() noexcept { return responses_; }
  CacheStats image_cache_stats() const { return sources_.stats(); }
  CacheStats response_cache_stats() const { return responses_.stats(); }

 private:
  struct OpenImage {
    FileStamp stamp;
    std::shared_ptr<const ImageSource> source;
  };

  EngineOptions options_;
  ImageRoot root_;
  ShardedLru<std::string, OpenImage> sources_;
  ResponseCache responses_;
  mutable std::atomic<std::uint64_t> passthrough_count_{0};
};

}  // namespace tessera
