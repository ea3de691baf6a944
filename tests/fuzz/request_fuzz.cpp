// libFuzzer target for the request path: any bytes as a request target, routed through every
// protocol (IIIF, IIP, Zoomify, DeepZoom) over small images, deferred work run in place. The
// first byte picks a route prefix so the parsers past it are reached quickly. Crashes,
// sanitizer reports, leaks and hangs are findings; error responses are expected.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "imaging/engine.hpp"
#include "imaging/pyramid_writer.hpp"
#include "server/router.hpp"

namespace {

using namespace tessera;

// A gradient with a little structure, so every processing command has something to do.
Raster picture(std::int64_t w, std::int64_t h) {
  Raster r(w, h, 3);
  for (std::int64_t y = 0; y < h; ++y)
    for (std::int64_t x = 0; x < w; ++x)
      for (int b = 0; b < 3; ++b)
        r.row(y)[x * 3 + b] = static_cast<std::uint8_t>((x * 5 + y * 3 + b * 80 + (x ^ y)) & 255);
  return r;
}

struct World {
  std::filesystem::path root;
  Config config;
  std::unique_ptr<Engine> engine;
  Metrics metrics;
  std::unique_ptr<Router> router;

  World() {
    spdlog::set_level(spdlog::level::off);
    char pattern[] = "/tmp/tessera-request-fuzz-XXXXXX";
    if (!::mkdtemp(pattern)) std::abort();
    root = pattern;
    PyramidOptions small;
    small.tile_width = small.tile_height = 16;
    // A pyramid, and a two-view sequence (as iipsrv names them).
    for (const char* name : {"img.tif", "s_pyr_000_090.tif", "s_pyr_010_090.tif"})
      if (write_pyramid_tiff(root / name, picture(70, 45), small)) std::abort();
    config.root = root;
    config.max_cvt = 200;  // keeps every output small: the fuzzer wants many runs per second
    EngineOptions o;
    o.root = root;
    o.suffixes = config.suffixes;
    o.response_cache_bytes = 1 << 20;
    engine = std::make_unique<Engine>(o);
    router = std::make_unique<Router>(*engine, config, metrics);
  }
  ~World() { std::filesystem::remove_all(root); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size == 0 || size > 4096) return 0;
  static const char* const prefixes[] = {"/iip?", "/iiif/", "/zoomify/", "/deepzoom/",
                                         "/fcgi-bin/iipsrv.fcgi?"};
  Request request;
  const std::size_t pick = data[0];
  if (pick < std::size(prefixes)) request.target = prefixes[pick];
  request.target.append(reinterpret_cast<const char*>(data) + 1, size - 1);
  Response response = resolve_now(world.router->route(request));
  world.router->finalize(response);
  if (response.status < 200 || response.status > 599) std::abort();
  return 0;
}
