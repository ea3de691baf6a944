#include "imaging/jp2_source.hpp"

namespace tessera {

Jp2Source::Jp2Source(std::filesystem::path path, const SourceOptions& options)
    : path_(std::move(path)), options_(options) {}
Jp2Source::~Jp2Source() = default;

Result<std::shared_ptr<Jp2Source>> Jp2Source::open(const std::filesystem::path&, const SourceOptions&) {
  return make_error(Errc::not_implemented, "this image format is not supported yet");
}

Result<Raster> Jp2Source::read_stored(std::size_t, const Rect&) const {
  return make_error(Errc::not_implemented, "this image format is not supported yet");
}

}  // namespace tessera
