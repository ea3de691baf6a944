// libFuzzer target for the TIFF reader: any bytes, opened as a file, then every level's first
// tiles, a bounded region and a stored tile are read. Crashes, sanitizer reports, leaks and
// oversized allocations are findings; refusals (errors) are expected.

#include <sys/mman.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "imaging/tiff_source.hpp"

namespace {

void exercise(const tessera::ImageSource& src) {
  const tessera::ImageInfo& info = src.info();
  bool computed_seen = false;
  for (std::size_t k = 0; k < info.levels.size() && k < 8; ++k) {
    const tessera::LevelInfo& lv = info.levels[k];
    // Computed levels all run the same averaging over ever more of the file (legitimately slow
    // for big inputs, within the reader's bounds): one of them is enough.
    if (!lv.stored && std::exchange(computed_seen, true)) break;
    for (std::int64_t t = 0; t < 2; ++t)
      if (t * lv.tile_width < lv.width) (void)src.read_tile(k, t, 0);
    (void)src.read_region(k, tessera::Rect{lv.width / 2, lv.height / 2,
                                           std::min<std::int64_t>(lv.width - lv.width / 2, 300),
                                           std::min<std::int64_t>(lv.height - lv.height / 2, 300)});
    (void)src.read_stored_tile(k, 0, 0);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int init = [] {
    spdlog::set_level(spdlog::level::off);
    return 0;
  }();
  (void)init;
  // An anonymous in-memory file, opened by path like any image.
  const int fd = memfd_create("fuzz.tif", 0);
  if (fd < 0) return 0;
  if (write(fd, data, size) == static_cast<ssize_t>(size)) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    tessera::SourceOptions options;
    options.max_open_files = 0;  // nothing outlives this input
    if (auto src = tessera::TiffSource::open(path, options)) {
      exercise(**src);
      for (std::size_t i = 1; i < (*src)->info().stack_size && i < 3; ++i)
        if (auto other = (*src)->stack_image(i)) exercise(**other);
    }
  }
  close(fd);
  return 0;
}
