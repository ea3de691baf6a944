#include "imaging/engine.hpp"

#include <array>
#include <fstream>

#include "imaging/jp2_source.hpp"
#include "imaging/jpeg_source.hpp"
#include "imaging/passthrough.hpp"
#include "imaging/tiff_source.hpp"

namespace tessera {
namespace {

constexpr std::size_t cache_shards = 16;
// Each shard holds its share of the byte budget, and an entry larger than a shard's share is not
// kept: small budgets get fewer shards so that large exports still fit.
constexpr std::size_t min_shard_bytes = 8u << 20;

std::size_t response_shards(std::size_t budget) {
  std::size_t n = 1;
  while (n < cache_shards && budget / (n * 2) >= min_shard_bytes) n *= 2;
  return n;
}

enum class FileKind { tiff, jpeg, jpeg2000, unknown };

FileKind sniff(const std::filesystem::path& path) {
  std::array<unsigned char, 12> magic{};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(magic.data()), magic.size());
  const auto n = in.gcount();
  if (n >= 4 &&
      ((magic[0] == 'I' && magic[1] == 'I' && (magic[2] == 42 || magic[2] == 43) &&
        magic[3] == 0) ||
       (magic[0] == 'M' && magic[1] == 'M' && magic[2] == 0 && (magic[3] == 42 || magic[3] == 43))))
    return FileKind::tiff;
  if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) return FileKind::jpeg;
  if (n >= 12 && magic[4] == 'j' && magic[5] == 'P') return FileKind::jpeg2000;
  if (n >= 4 && magic[0] == 0xFF && magic[1] == 0x4F && magic[2] == 0xFF && magic[3] == 0x51)
    return FileKind::jpeg2000;
  return FileKind::unknown;
}

}  // namespace

Engine::Engine(const EngineOptions& options)
    : options_(options),
      root_(options.root, options.suffixes),
      sources_(std::max<std::size_t>(options.max_open_images, cache_shards), cache_shards),
      responses_(options.response_cache_bytes, response_shards(options.response_cache_bytes)) {}

namespace {

std::string source_key(const ResolvedFile& file, std::size_t image) {
  return file.path.native() + '\n' + std::to_string(image);
}

template <class S>
Result<std::shared_ptr<const ImageSource>> opened(Result<std::shared_ptr<S>> r) {
  if (!r) return r.error();
  return std::shared_ptr<const ImageSource>(std::move(r.value()));
}

}  // namespace

Result<std::shared_ptr<const ImageSource>> open_image(const std::filesystem::path& path,
                                                      const SourceOptions& options) {
  switch (sniff(path)) {
    case FileKind::tiff:
      return opened(TiffSource::open(path, options));
    case FileKind::jpeg:
      return opened(JpegSource::open(path, options));
    case FileKind::jpeg2000:
      return opened(Jp2Source::open(path, options));
    case FileKind::unknown:
      break;
  }
  return make_error(Errc::not_implemented, "unsupported image format");
}

std::shared_ptr<const ImageSource> Engine::cached_source(const ResolvedFile& file,
                                                         std::size_t image) {
  const std::string key = source_key(file, image);
  auto hit = sources_.get(key);
  if (!hit) return nullptr;
  if (hit->stamp != file.stamp) {  // replaced or rewritten since it was opened
    sources_.erase(key);
    return nullptr;
  }
  return hit->source;
}

Result<std::shared_ptr<const ImageSource>> Engine::open_source(const ResolvedFile& file,
                                                               std::size_t image) {
  if (auto cached = cached_source(file, image)) return cached;
  if (image > 0) {  // another image of a stack: open it through the stack's first image
    auto first = open_source(file, 0);
    if (!first) return first.error();
    auto other = (*first)->stack_image(image);
    if (!other) return other.error();
    sources_.put(source_key(file, image), OpenImage{file.stamp, *other});
    return other;
  }

  auto source = open_image(file.path, options_.sources);
  if (source) sources_.put(source_key(file, image), OpenImage{file.stamp, *source});
  return source;
}

Result<std::string> Engine::render_encoded(const ImageSource& source, const View& view,
                                           const OutputFormat& format,
                                           const EncodeOptions& options) const {
  if (options_.passthrough) {
    auto stored = pass_through(source, view, format, options, options_.encode, options_.render);
    if (stored) {
      passthrough_count_.fetch_add(1, std::memory_order_relaxed);
      return std::move(*stored);
    }
  }
  auto rendered = render(source, view, format, options_.render);
  if (!rendered) return rendered.error();
  return format.encode(rendered->pixels, options, rendered->metadata);
}

}  // namespace tessera
