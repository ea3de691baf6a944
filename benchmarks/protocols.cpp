// Micro-benchmarks of the protocol layer on the request path that does not decode: a tile
// answered from the response cache through IIIF, IIP (JTL), DeepZoom and Zoomify, info.json and
// IIP's OBJ text of an open image, and URL parsing alone. These are the per-request costs every
// hot tile pays before its bytes are written.

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

#include "imaging/engine.hpp"
#include "imaging/pyramid_writer.hpp"
#include "protocols/deepzoom/handler.hpp"
#include "protocols/iiif/handler.hpp"
#include "protocols/iiif/request.hpp"
#include "protocols/iip/handler.hpp"
#include "protocols/zoomify/handler.hpp"
#include "tests/support/sample_image.hpp"

using namespace tessera;

namespace {

struct Setup {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("tessera-bench-proto-" + std::to_string(::getpid()));
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ImageService> service;
  std::unique_ptr<iiif::Handler> handler;
  std::unique_ptr<iip::Handler> iip;
  std::unique_ptr<deepzoom::Handler> deepzoom;
  std::unique_ptr<zoomify::Handler> zoomify;

  Setup() {
    std::filesystem::create_directories(dir);
    if (write_pyramid_tiff(dir / "img.tif", testing::draw_sample_image(1024, 1024))) std::abort();
    EngineOptions o;
    o.root = dir;
    engine = std::make_unique<Engine>(o);
    service = std::make_unique<ImageService>(*engine, ServiceOptions{});
    handler = std::make_unique<iiif::Handler>(*service, iiif::Options{});
    iip = std::make_unique<iip::Handler>(*service, iip::Options{});
    deepzoom = std::make_unique<deepzoom::Handler>(*service, deepzoom::Options{});
    zoomify = std::make_unique<zoomify::Handler>(*service);
  }
  ~Setup() { std::filesystem::remove_all(dir); }
};

Setup& setup() {
  static Setup s;
  return s;
}

Request request(std::string target) {
  Request r;
  r.target = std::move(target);
  r.headers = {{"host", "127.0.0.1:8080"},
               {"user-agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"},
               {"accept", "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"},
               {"accept-encoding", "gzip, deflate, br"},
               {"referer", "http://127.0.0.1:8080/viewer.html"}};
  return r;
}

Response answer(const Request& r, std::string_view rest) {
  return resolve_now(setup().handler->handle(r, rest));
}

// A viewer tile that is already in the response cache.
void iiif_cached_tile(benchmark::State& state) {
  const Request r = request("/iiif/img.tif/256,256,256,256/256,/0/default.jpg");
  const std::string_view rest = "img.tif/256,256,256,256/256,/0/default.jpg";
  if (answer(r, rest).status != 200) std::abort();  // warm: open the image, fill the cache
  for (auto _ : state) {
    auto reply = setup().handler->handle(r, rest);
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(iiif_cached_tile);

void iiif_info(benchmark::State& state) {
  const Request r = request("/iiif/img.tif/info.json");
  if (answer(r, "img.tif/info.json").status != 200) std::abort();
  for (auto _ : state) {
    auto reply = setup().handler->handle(r, "img.tif/info.json");
    benchmark::DoNotOptimize(reply);
  }
}
BENCHMARK(iiif_info);

// The same kind of cached tile through the other protocols; `handle` is the handler's entry.
template <class Handle>
void cached(benchmark::State& state, const std::string& target, std::string_view rest,
            Handle handle) {
  const Request r = request(target);
  if (resolve_now(handle(r, rest)).status != 200) std::abort();  // warm
  for (auto _ : state) {
    auto reply = handle(r, rest);
    benchmark::DoNotOptimize(reply);
  }
}

void iip_cached_tile(benchmark::State& state) {
  cached(state, "/fcgi-bin/iipsrv.fcgi?FIF=img.tif&JTL=2,5", "FIF=img.tif&JTL=2,5",
         [](const Request& r, std::string_view q) { return setup().iip->handle(r, q); });
}
BENCHMARK(iip_cached_tile);

void iip_obj(benchmark::State& state) {
  const std::string q = "FIF=img.tif&OBJ=IIP,1.0&OBJ=Max-size&OBJ=Tile-size&OBJ=Resolution-number";
  cached(state, "/fcgi-bin/iipsrv.fcgi?" + q, q,
         [](const Request& r, std::string_view q) { return setup().iip->handle(r, q); });
}
BENCHMARK(iip_obj);

void deepzoom_cached_tile(benchmark::State& state) {
  cached(state, "/deepzoom/img.tif_files/10/1_1.jpg", "img.tif_files/10/1_1.jpg",
         [](const Request& r, std::string_view p) { return setup().deepzoom->handle(r, p); });
}
BENCHMARK(deepzoom_cached_tile);

void zoomify_cached_tile(benchmark::State& state) {
  cached(state, "/zoomify/img.tif/TileGroup0/2-1-1.jpg", "img.tif/TileGroup0/2-1-1.jpg",
         [](const Request& r, std::string_view p) { return setup().zoomify->handle(r, p); });
}
BENCHMARK(zoomify_cached_tile);

void iiif_parse(benchmark::State& state) {
  for (auto _ : state) {
    auto p = iiif::parse("img.tif/pct:10.5,20,30,40/!512,512/!22.5/gray.png");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(iiif_parse);

}  // namespace

BENCHMARK_MAIN();
