#include "imaging/jp2_decoder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>

namespace tessera::jp2 {
namespace {

// Each seek past a tile-part refills the buffer; tile data larger than it bypasses it.
constexpr OPJ_SIZE_T stream_buffer_bytes = 16 * 1024;
constexpr std::size_t max_cause_chars = 160;

std::string trimmed(const char* msg) {
  std::string_view s(msg ? msg : "");
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  return std::string(s);
}

bool debug_enabled() {
  return spdlog::default_logger_raw()->should_log(spdlog::level::debug);
}

// Keeps a decoder's first error: usually the cause; later ones only say that decoding failed.
void on_opj_error(const char* msg, void* user) {
  std::string text = trimmed(msg);
  spdlog::debug("OpenJPEG error: {}", text);
  auto* first = static_cast<std::string*>(user);
  if (first->empty()) *first = text.substr(0, max_cause_chars);
}
void on_opj_warning(const char* msg, void*) {
  if (debug_enabled()) spdlog::debug("OpenJPEG warning: {}", trimmed(msg));
}
void on_opj_info(const char* msg, void*) {
  if (debug_enabled()) spdlog::debug("OpenJPEG: {}", trimmed(msg));
}

OPJ_SIZE_T stream_read(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* c = static_cast<Cursor*>(user);
  const std::uint64_t size = c->file->size();
  if (c->pos >= size) return static_cast<OPJ_SIZE_T>(-1);
  const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - c->pos));
  if (!c->file->read_exact(buffer, want, c->pos)) return static_cast<OPJ_SIZE_T>(-1);
  c->pos += want;
  return want;
}

OPJ_OFF_T stream_skip(OPJ_OFF_T n, void* user) {
  auto* c = static_cast<Cursor*>(user);
  const auto target = static_cast<std::int64_t>(c->pos) + n;
  if (target < 0 || static_cast<std::uint64_t>(target) > c->file->size()) return -1;
  c->pos = static_cast<std::uint64_t>(target);
  return n;
}

OPJ_BOOL stream_seek(OPJ_OFF_T pos, void* user) {
  auto* c = static_cast<Cursor*>(user);
  if (pos < 0 || static_cast<std::uint64_t>(pos) > c->file->size()) return OPJ_FALSE;
  c->pos = static_cast<std::uint64_t>(pos);
  return OPJ_TRUE;
}

}  // namespace

// Opens the file and reads the main header, to decode at `reduce` with at most `layers` layers.
std::optional<Error> start(Session& s, bool codestream, std::uint32_t reduce,
                           std::uint32_t layers) {
  if (!s.file.ok()) return image_unreadable("the file cannot be opened");
  s.stream.reset(opj_stream_create(stream_buffer_bytes, OPJ_TRUE));
  if (!s.stream) return make_error(Errc::internal, "out of memory");
  opj_stream_set_user_data(s.stream.get(), &s.cursor, nullptr);
  opj_stream_set_user_data_length(s.stream.get(), s.file.size());
  opj_stream_set_read_function(s.stream.get(), stream_read);
  opj_stream_set_skip_function(s.stream.get(), stream_skip);
  opj_stream_set_seek_function(s.stream.get(), stream_seek);

  s.codec.reset(opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2));
  if (!s.codec) return make_error(Errc::internal, "out of memory");
  // Without handlers OpenJPEG prints to stderr.
  opj_set_info_handler(s.codec.get(), on_opj_info, &s.error);
  opj_set_warning_handler(s.codec.get(), on_opj_warning, &s.error);
  opj_set_error_handler(s.codec.get(), on_opj_error, &s.error);

  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  params.cp_reduce = reduce;
  params.cp_layer = layers;
  if (!opj_setup_decoder(s.codec.get(), &params))
    return image_unreadable(s.cause("bad decoder settings"));
  // The server already runs one read per worker. 0 decodes in the calling thread; 1 would
  // start a helper thread per read and hand it every code-block.
  opj_codec_set_threads(s.codec.get(), 0);

  opj_image_t* image = nullptr;
  const bool ok = opj_read_header(s.stream.get(), s.codec.get(), &image);
  s.image.reset(image);
  if (!ok || !image) return image_unreadable(s.cause("invalid header"));
  return std::nullopt;
}

}  // namespace tessera::jp2
