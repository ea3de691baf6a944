#include "imaging/jpeg_source.hpp"

namespace tessera {

JpegSource::JpegSource(std::filesystem::path path, const SourceOptions& options)
    : path_(std::move(path)), options_(options) {}
JpegSource::~JpegSource() = default;

Result<std::shared_ptr<JpegSource>> JpegSource::open(const std::filesystem::path&, const SourceOptions&) {
  return make_error(Errc::not_implemented, "this image format is not supported yet");
}

Result<Raster> JpegSource::read_stored(std::size_t, const Rect&) const {
  return make_error(Errc::not_implemented, "this image format is not supported yet");
}

}  // namespace tessera
