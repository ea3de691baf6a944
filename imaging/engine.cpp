#include "imaging/engine.hpp"

#include <array>
#include <fstream>

#include "imaging/tiff_source.hpp"

namespace tessera {
namespace {

constexpr std::size_t cache_shards = 16;

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
      root_(options.root),
      sources_(std::max<std::size_t>(options.max_open_images, cache_shards), cache_shards),
      responses_(options.response_cache_bytes, cache_shards) {}

std::shared_ptr<const ImageSource> Engine::cached_source(const ResolvedFile& file) {
  auto hit = sources_.get(file.path.native());
  if (!hit) return nullptr;
  if (hit->stamp != file.stamp) {  // replaced or rewritten since it was opened
    sources_.erase(file.path.native());
    return nullptr;
  }
  return hit->source;
}

Result<std::shared_ptr<const ImageSource>> Engine::open_source(const ResolvedFile& file) {
  if (auto cached = cached_source(file)) return cached;
  switch (sniff(file.path)) {
    case FileKind::tiff: {
      auto opened = TiffSource::open(file.path);
      if (!opened) return opened.error();
      std::shared_ptr<const ImageSource> source = std::move(opened.value());
      sources_.put(file.path.native(), OpenImage{file.stamp, source});
      return source;
    }
    case FileKind::jpeg:
    case FileKind::jpeg2000:
      return make_error(Errc::not_implemented, "this image format is not supported yet");
    case FileKind::unknown:
      break;
  }
  return make_error(Errc::not_implemented, "unsupported image format");
}

Result<std::string> Engine::render_encoded(const ImageSource& source, const RenderSpec& spec,
                                           const OutputFormat& format) const {
  auto pixels = render(source, spec);
  if (!pixels) return pixels.error();
  return format.encode(*pixels, options_.encode);
}

}  // namespace tessera
