#pragma once
// OpenJPEG decoders for the JPEG2000 source: RAII over its handles, its messages routed to the
// logger, a stream over our own file descriptor, and a pool of decoders whose main header is
// already read (reading it again walks every tile header of the file: ~19 ms on 2360 tiles).

#include <openjpeg.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "imaging/error.hpp"
#include "imaging/read_only_file.hpp"

namespace tessera::jp2 {

struct StreamFree {
  void operator()(opj_stream_t* s) const noexcept { opj_stream_destroy(s); }
};
struct CodecFree {
  void operator()(opj_codec_t* c) const noexcept { opj_destroy_codec(c); }
};
struct ImageFree {
  void operator()(opj_image_t* i) const noexcept { opj_image_destroy(i); }
};
struct InfoFree {
  void operator()(opj_codestream_info_v2_t* i) const noexcept { opj_destroy_cstr_info(&i); }
};

// Where one decoder is in the file.
struct Cursor {
  const ReadOnlyFile* file = nullptr;
  std::uint64_t pos = 0;
};

// One decoder over its own descriptor: everything a read touches, and nothing another read uses.
struct Session {
  std::string error;  // first member: the codec reports into it until it is destroyed
  ReadOnlyFile file;
  Cursor cursor;
  std::unique_ptr<opj_stream_t, StreamFree> stream;
  std::unique_ptr<opj_codec_t, CodecFree> codec;
  std::unique_ptr<opj_image_t, ImageFree> image;

  explicit Session(const std::filesystem::path& path) : file(path), cursor{&file, 0} {}
  std::string cause(const char* fallback) const { return error.empty() ? fallback : error; }
  // A decoded tile stays in the image until the next one replaces it: not while idle.
  void free_samples() {
    for (std::uint32_t c = 0; image && c < image->numcomps; ++c) {
      opj_image_data_free(image->comps[c].data);
      image->comps[c].data = nullptr;
    }
  }
};

// Idle decoders of every open image, most recently used first. Each holds a descriptor and its
// header's tile parameters, so both their number and their bytes are bounded; the least
// recently used go first.
class DecoderPool {
 public:
  static DecoderPool& instance() {
    static DecoderPool pool;
    return pool;
  }

  std::unique_ptr<Session> take(const void* owner) {
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->owner != owner) continue;
      auto s = std::move(it->session);
      bytes_ -= it->bytes;
      idle_.erase(it);
      return s;
    }
    return nullptr;
  }

  void put(const void* owner, std::unique_ptr<Session> s, std::size_t bytes, std::size_t count) {
    s->error.clear();
    s->free_samples();
    std::list<Idle> evicted;  // destroyed outside the lock
    std::lock_guard lock(mutex_);
    idle_.push_front(Idle{owner, std::move(s), bytes});
    bytes_ += bytes;
    while (!idle_.empty() && (idle_.size() > count || bytes_ > max_idle_bytes)) {
      bytes_ -= idle_.back().bytes;
      evicted.splice(evicted.begin(), idle_, std::prev(idle_.end()));
    }
  }

  void drop(const void* owner) {
    std::list<Idle> evicted;
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto next = std::next(it);
      if (it->owner == owner) {
        bytes_ -= it->bytes;
        evicted.splice(evicted.begin(), idle_, it);
      }
      it = next;
    }
  }

 private:
  // Idle decoders of all files stay within this.
  static constexpr std::size_t max_idle_bytes = std::size_t{256} << 20;
  struct Idle {
    const void* owner;
    std::unique_ptr<Session> session;
    std::size_t bytes;
  };
  std::mutex mutex_;
  std::list<Idle> idle_;
  std::size_t bytes_ = 0;
};

// Opens the file and reads the main header, to decode at `reduce` with at most `layers` layers.
std::optional<Error> start(Session& s, bool codestream, std::uint32_t reduce, std::uint32_t layers);

}  // namespace tessera::jp2
