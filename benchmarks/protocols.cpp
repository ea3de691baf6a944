// Micro-benchmarks of the protocol layer on the request path that does not decode: a IIIF tile
// answered from the response cache, info.json of an open image, and URL parsing alone. These
// are the per-request costs every hot tile pays before its bytes are written.

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

#include "imaging/engine.hpp"
#include "imaging/pyramid_writer.hpp"
#include "protocols/iiif/handler.hpp"
#include "protocols/iiif/request.hpp"
#include "tests/support/sample_image.hpp"

using namespace tessera;

namespace {

struct Setup {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("tessera-bench-proto-" + std::to_string(::getpid()));
  std::unique_ptr<Engine> engine;
  std::unique_ptr<ImageService> service;
  std::unique_ptr<iiif::Handler> handler;

  Setup() {
    std::filesystem::create_directories(dir);
    if (write_pyramid_tiff(dir / "img.tif", testing::draw_sample_image(1024, 1024))) std::abort();
    EngineOptions o;
    o.root = dir;
    engine = std::make_unique<Engine>(o);
    service = std::make_unique<ImageService>(*engine, ServiceOptions{});
    handler = std::make_unique<iiif::Handler>(*service, iiif::Options{});
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

void iiif_parse(benchmark::State& state) {
  for (auto _ : state) {
    auto p = iiif::parse("img.tif/pct:10.5,20,30,40/!512,512/!22.5/gray.png");
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(iiif_parse);

}  // namespace

BENCHMARK_MAIN();
