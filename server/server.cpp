#include "server/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <csignal>
#include <cstdio>
#include <functional>
#include <thread>
#include <vector>

#include "cache/memcached_cache.hpp"
#include "imaging/engine.hpp"
#include "imaging/watermark.hpp"
#include "server/listener.hpp"
#include "server/metrics.hpp"
#include "server/router.hpp"
#include "server/session.hpp"

namespace tessera {

namespace net = boost::asio;
using tcp = net::ip::tcp;

int run_server(const Config& config) {
  EngineOptions engine_options;
  engine_options.root = config.root;
  engine_options.suffixes = config.suffixes;
  engine_options.max_open_images = config.metadata_cache;
  engine_options.sources.max_open_files = config.max_open_files;
  engine_options.sources.max_layers = config.max_layers;
  engine_options.response_cache_bytes = config.image_cache_mb << 20;
  engine_options.passthrough = config.passthrough;
  engine_options.encode.jpeg_quality = config.jpeg_quality;
  engine_options.encode.jpeg_subsampling = config.jpeg_subsampling;
  engine_options.encode.png_compression = config.png_quality;
  engine_options.encode.webp_quality = config.webp_quality;
  engine_options.encode.avif_quality = config.avif_quality;
  engine_options.encode.jp2_quality = config.jp2_quality;
  engine_options.encode.tiff_compression = config.tiff_compression;
  engine_options.encode.tiff_quality = config.tiff_quality;
  engine_options.view_defaults.interpolation = config.interpolation;
  engine_options.view_defaults.bits = config.output_bits;
  engine_options.view_defaults.background = config.background;
  engine_options.view_defaults.convert_icc = config.convert_icc;
  engine_options.render.max_icc = config.max_icc;
  engine_options.render.embed_xmp = config.embed_xmp;
  if (!config.watermark.empty()) {
    auto watermark =
        Watermark::load(config.watermark, config.watermark_opacity, config.watermark_probability);
    if (!watermark) {
      std::fprintf(stderr, "tessera: cannot use the watermark image %s: %s\n",
                   config.watermark.c_str(), watermark.error().message.c_str());
      return 1;
    }
    engine_options.render.watermark = *watermark;
  }
  if (!config.memcached_servers.empty()) {
    MemcachedOptions memcached;
    memcached.servers = config.memcached_servers;
    memcached.expiry_seconds = config.memcached_timeout;
    memcached.max_clients = config.effective_workers();  // only workers call it
    auto shared = MemcachedCache::create(std::move(memcached));
    if (!shared) {
      std::fprintf(stderr, "tessera: %s\n", shared.error().message.c_str());
      return 1;
    }
    engine_options.shared_cache = std::move(*shared);
    spdlog::info(
        "memcached cache on {} (items expire after {} s); an outage falls back to the "
        "local cache",
        to_string(config.memcached_servers), config.memcached_timeout);
  }
  // Large outputs are split over the worker pool; the pool outlives the engine's use of it.
  net::thread_pool workers(config.effective_workers());
  engine_options.render.spawn = [&workers](std::function<void()> task) {
    net::post(workers, std::move(task));
  };
  engine_options.render.helpers = config.effective_workers() - 1;

  std::unique_ptr<Engine> engine;
  try {
    engine = std::make_unique<Engine>(engine_options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: invalid root: %s\n", e.what());
    return 1;
  }

  Metrics metrics;
  Router router(*engine, config, metrics);
  ServerContext context{config, router, metrics, workers};
  net::io_context ioc(static_cast<int>(config.effective_io_threads()));

  std::shared_ptr<Listener> listener;
  try {
    const auto address = net::ip::make_address(config.host);
    listener = std::make_shared<Listener>(ioc, tcp::endpoint{address, config.port}, context);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: cannot listen on %s:%u: %s\n", config.host.c_str(), config.port,
                 e.what());
    return 1;
  }
  // Installed before the "listening" line, so a signal right after start-up is a clean stop.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  listener->run();

  const auto endpoint = listener->local_endpoint();
  const std::string host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]"
                                                      : endpoint.address().to_string();
  // A fixed line on stdout tells scripts and tests the actual port (with --port 0).
  std::printf("tessera listening on http://%s:%u\n", host.c_str(), endpoint.port());
  std::fflush(stdout);
  spdlog::info("serving {} on http://{}:{} with {} I/O threads and {} workers",
               config.root.string(), host, endpoint.port(), config.effective_io_threads(),
               config.effective_workers());

  // Graceful stop: close the acceptor, let sessions drain, stop when none is left or on deadline.
  net::steady_timer drain_timer(ioc);
  std::function<void()> wait_for_drain;
  std::chrono::steady_clock::time_point deadline;
  wait_for_drain = [&] {
    if (metrics.open_connections.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
      if (metrics.open_connections.load() > 0)
        spdlog::warn("grace period over with {} connections open", metrics.open_connections.load());
      ioc.stop();
      return;
    }
    drain_timer.expires_after(std::chrono::milliseconds(20));
    drain_timer.async_wait([&](boost::system::error_code) { wait_for_drain(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: stopping; finishing in-flight requests", signal);
    deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
    listener->stop();
    context.shutdown_sessions();
    wait_for_drain();
  });

  std::vector<std::thread> threads;
  for (unsigned i = 1; i < config.effective_io_threads(); ++i)
    threads.emplace_back([&ioc] { ioc.run(); });
  ioc.run();
  for (auto& t : threads) t.join();
  workers.join();
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace tessera
