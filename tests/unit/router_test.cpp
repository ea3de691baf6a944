// The request handler without networking: Router -> IIIF handler -> engine.

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "imaging/pyramid_writer.hpp"
#include "protocols/validators.hpp"
#include "server/router.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;

namespace {

struct Fixture {
  testing::TempDir dir;
  Config config;
  std::unique_ptr<Engine> engine;
  Metrics metrics;
  std::unique_ptr<Router> router;

  Fixture() {
    REQUIRE_FALSE(write_pyramid_tiff(dir.path() / "img.tif", testing::test_pattern(1000, 700, 3),
                                     {256, 256, TiffCompression::deflate}));
    config.root = dir.path();
    config.base_url = "https://images.example.org";
    EngineOptions opts;
    opts.root = config.root;
    engine = std::make_unique<Engine>(opts);
    router = std::make_unique<Router>(*engine, config, metrics);
  }

  Reply route(std::string target, Method method = Method::get,
              std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = method;
    r.target = std::move(target);
    r.headers = std::move(headers);
    return router->route(r);
  }
  Response get(std::string target, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Response r = resolve_now(route(std::move(target), Method::get, std::move(headers)));
    router->finalize(r);
    return r;
  }
};

}  // namespace

TEST_CASE("router: a first open is deferred to a worker, later requests are answered inline") {
  Fixture f;
  CHECK(std::holds_alternative<Deferred>(f.route("/iiif/img.tif/info.json")));
  const Response first = f.get("/iiif/img.tif/info.json");
  CHECK(first.status == 200);
  CHECK(std::holds_alternative<Response>(f.route("/iiif/img.tif/info.json")));

  // A tile: rendered on a worker the first time, then served from the response cache inline.
  CHECK(std::holds_alternative<Coalesced>(f.route("/iiif/img.tif/0,0,256,256/256,/0/default.jpg")));
  const Response miss = f.get("/iiif/img.tif/0,0,256,256/256,/0/default.jpg");
  REQUIRE(miss.status == 200);
  CHECK(miss.cache == CacheOutcome::miss);
  CHECK(miss.header("Link") ==
        "<http://iiif.io/api/image/3/level2.json>;rel=\"profile\", "
        "<https://images.example.org/iiif/img.tif/0,0,256,256/max/0/default.jpg>;"
        "rel=\"canonical\"");
  auto again = f.route("/iiif/img.tif/0,0,256,256/256,/0/default.jpg");
  REQUIRE(std::holds_alternative<Response>(again));
  const Response& hit = std::get<Response>(again);
  CHECK(hit.cache == CacheOutcome::hit);
  CHECK(hit.body == miss.body);  // the same shared bytes, not a copy
}

TEST_CASE("router: info.json carries the IIIF 3 fields") {
  Fixture f;
  // Image API 3.0: JSON-LD unless the client prefers plain JSON.
  const Response r = f.get("/iiif/img.tif/info.json", {{"accept", "application/json"}});
  REQUIRE(r.status == 200);
  CHECK(r.header("Content-Type") == "application/json");
  const auto doc = nlohmann::json::parse(*r.body);
  CHECK(doc["@context"] == "http://iiif.io/api/image/3/context.json");
  CHECK(doc["id"] == "https://images.example.org/iiif/img.tif");
  CHECK(doc["type"] == "ImageService3");
  CHECK(doc["protocol"] == "http://iiif.io/api/image");
  CHECK(doc["width"] == 1000);
  CHECK(doc["height"] == 700);
  CHECK(doc["tiles"][0]["width"] == 256);
  CHECK(doc["tiles"][0]["scaleFactors"] == nlohmann::json::array({1, 2, 4}));
  CHECK(doc["sizes"].front() == nlohmann::json({{"width", 250}, {"height", 175}}));
  CHECK(doc["sizes"].back() == nlohmann::json({{"width", 1000}, {"height", 700}}));

  const Response ld = f.get("/iiif/img.tif/info.json", {{"accept", "application/ld+json"}});
  CHECK(ld.header("Content-Type") ==
        "application/ld+json;profile=\"http://iiif.io/api/image/3/context.json\"");
  CHECK(ld.header("ETag") != r.header("ETag"));
}

TEST_CASE("router: conditional requests answer 304 without rendering") {
  Fixture f;
  const Response r = f.get("/iiif/img.tif/0,0,512,512/256,/0/default.jpg");
  REQUIRE(r.status == 200);
  const std::string etag(r.header("ETag"));
  const std::string modified(r.header("Last-Modified"));
  f.engine->responses().clear();

  auto by_etag = f.route("/iiif/img.tif/0,0,512,512/256,/0/default.jpg", Method::get,
                         {{"if-none-match", etag}});
  REQUIRE(std::holds_alternative<Response>(by_etag));  // answered inline: nothing rendered
  CHECK(std::get<Response>(by_etag).status == 304);
  CHECK(std::get<Response>(by_etag).header("ETag") == etag);

  const Response by_date =
      f.get("/iiif/img.tif/0,0,512,512/256,/0/default.jpg", {{"if-modified-since", modified}});
  CHECK(by_date.status == 304);
  CHECK_FALSE(by_date.body);
}

TEST_CASE("router: methods, CORS, unknown paths and images") {
  Fixture f;
  const Response post = resolve_now(f.route("/iiif/img.tif/info.json", Method::other));
  CHECK(post.status == 405);
  CHECK(post.header("Allow") == "GET, HEAD, OPTIONS");

  Response pre = resolve_now(f.route("/iiif/img.tif/info.json", Method::options,
                                     {{"access-control-request-headers", "x-custom"}}));
  f.router->finalize(pre);
  CHECK(pre.status == 204);
  CHECK(pre.header("Access-Control-Allow-Origin") == "*");
  CHECK(pre.header("Access-Control-Allow-Headers") == "x-custom");

  const Response missing = f.get("/iiif/nope.tif/info.json");
  CHECK(missing.status == 404);
  CHECK(missing.header("Access-Control-Allow-Origin") == "*");  // errors carry CORS too
  CHECK(missing.body->find(f.dir.path().string()) == std::string::npos);

  CHECK(f.get("/elsewhere").status == 404);
  CHECK(f.get("/iiif/img.tif/full/max/0/default.xyz").status == 400);

  const Response base = f.get("/iiif/img.tif");
  CHECK(base.status == 303);
  CHECK(base.header("Location") == "https://images.example.org/iiif/img.tif/info.json");
}

TEST_CASE("router: health and metrics") {
  Fixture f;
  const Response health = f.get("/health");
  CHECK(health.status == 200);
  CHECK(nlohmann::json::parse(*health.body)["status"] == "ok");
  f.metrics.record("iiif", 200, 1234, std::chrono::microseconds(1500));
  const Response metrics = f.get("/metrics");
  CHECK(metrics.status == 200);
  CHECK_THAT(*metrics.body,
             Catch::Contains("tessera_requests_total{protocol=\"iiif\",status=\"200\"} 1"));
  CHECK_THAT(*metrics.body,
             Catch::Contains("tessera_request_duration_seconds_bucket{le=\"0.0025\"} 1"));
  CHECK_THAT(*metrics.body, Catch::Contains("tessera_response_bytes_total 1234"));
  CHECK_THAT(*metrics.body, Catch::Contains("tessera_open_connections"));
  CHECK_THAT(*metrics.body, Catch::Contains("tessera_worker_queue_depth"));
}

TEST_CASE("router: iipsrv's paths reach IIP, and its protocol forms reach their handlers") {
  Fixture f;
  // IIP on both paths, answered in IIP's text form.
  for (const char* path : {"/fcgi-bin/iipsrv.fcgi", "/iip"}) {
    const Response r = f.get(std::string(path) + "?FIF=img.tif&OBJ=Max-size");
    CHECK(r.status == 200);
    CHECK(r.header("content-type") == "application/vnd.netfpx");
    REQUIRE(r.body);
    CHECK(*r.body == "\r\nMax-size:1000 700\r\n");
  }
  // ?Zoomify=, ?DeepZoom=, ?IIIF= (names in any case) go to those protocols.
  const Response z = f.get("/fcgi-bin/iipsrv.fcgi?zoomify=img.tif/ImageProperties.xml");
  CHECK(z.status == 200);
  REQUIRE(z.body);
  CHECK(z.body->starts_with("<IMAGE_PROPERTIES WIDTH=\"1000\" HEIGHT=\"700\""));
  const Response d = f.get("/iip?DEEPZOOM=img.tif.dzi");
  CHECK(d.status == 200);
  REQUIRE(d.body);
  CHECK(d.body->find("<Size Width=\"1000\" Height=\"700\"/>") != std::string::npos);
  const Response i = f.get("/fcgi-bin/iipsrv.fcgi?IIIF=img.tif/info.json");
  CHECK(i.status == 200);
  REQUIRE(i.body);
  CHECK(nlohmann::json::parse(*i.body)["width"] == 1000);
  // iipsrv's other spelling, with a leading slash, names the same image.
  const Response slash =
      f.get("/fcgi-bin/iipsrv.fcgi?IIIF=/img.tif/0,0,256,256/256,/0/default.jpg");
  CHECK(slash.status == 200);
  CHECK(f.get("/iip?Zoomify=/img.tif/ImageProperties.xml").status == 200);
  CHECK(f.get("/iip?DeepZoom=/img.tif.dzi").status == 200);
  // Other paths are not IIP.
  CHECK(f.get("/fcgi-bin/other.fcgi?FIF=img.tif&OBJ=Max-size").status == 404);
  CHECK(f.get("/iipx?FIF=img.tif&OBJ=Max-size").status == 404);

  CHECK(Router::protocol_of("/fcgi-bin/iipsrv.fcgi") == "iip");
  CHECK(Router::protocol_of("/iip") == "iip");
  CHECK(Router::protocol_of("/zoomify/a/ImageProperties.xml") == "zoomify");
  CHECK(Router::protocol_of("/deepzoom/a.dzi") == "deepzoom");
  CHECK(Router::protocol_of("/iiif/a/info.json") == "iiif");
}

TEST_CASE("router: concurrent identical misses render once, through any protocol", "[coalesce]") {
  Fixture f;
  REQUIRE(f.get("/iiif/img.tif/info.json").status == 200);  // opened: later routes are inline
  // The same bytes asked for through IIIF (two spellings) and IIP; a slow output (PNG of the
  // full image, rotated) keeps the first render running while the others join it.
  const std::vector<std::string> targets{
      "/iiif/img.tif/full/max/30/default.png",
      "/iiif/img.tif/0,0,1000,700/1000,/30/default.png",
      "/iiif/img.tif/full/1000,700/30/default.png",
      "/iiif/img.tif/full/max/30/default.png",
  };
  std::vector<Reply> replies;
  for (const auto& t : targets) replies.push_back(f.route(t));
  for (const auto& r : replies) REQUIRE(std::holds_alternative<Coalesced>(r));
  CHECK(std::get<Coalesced>(replies[0]).key == std::get<Coalesced>(replies[1]).key);

  std::vector<Response> responses(replies.size());
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < replies.size(); ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < static_cast<int>(replies.size())) {
      }
      responses[i] = resolve_now(std::move(replies[i]));
    });
  for (auto& t : threads) t.join();

  int misses = 0;
  for (const auto& r : responses) {
    REQUIRE(r.status == 200);
    CHECK(r.body == responses[0].body);  // one shared buffer: rendered once
    if (r.cache == CacheOutcome::miss) ++misses;
  }
  CHECK(misses == 1);
  const std::string metrics = *f.get("/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("tessera_coalesced_requests_total 3"));
  CHECK_THAT(metrics, Catch::Contains("tessera_cache_entries{cache=\"responses\"} 1"));
  // Later, the cache answers inline.
  CHECK(std::holds_alternative<Response>(f.route(targets[2])));
}
