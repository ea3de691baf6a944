#pragma once
// One client connection, on its own strand. It loops read -> route -> write, reading ahead up
// to max_pipeline requests while earlier ones are computed on the worker pool, and writes
// responses strictly in request order.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "protocols/http_types.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"
#include "server/router.hpp"

namespace tessera {

class Session;

// What sessions share: settings, the router, counters, the worker pool, and the list of live
// sessions for a graceful shutdown.
struct ServerContext {
  ServerContext(const Config& c, const Router& r, Metrics& m, boost::asio::thread_pool& w)
      : config(c), router(r), metrics(m), workers(w) {}

  const Config& config;
  const Router& router;
  Metrics& metrics;
  boost::asio::thread_pool& workers;

  std::mutex sessions_mutex;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::atomic<bool> stopping{false};

  void shutdown_sessions();
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket&& socket, ServerContext& context);
  ~Session();

  void start();
  // Stop reading; finish the requests already read, then close. Callable from any thread.
  void shutdown();

 private:
  struct Slot;

  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void run(const std::shared_ptr<Slot>& slot, Reply reply);
  void carry_on(const std::shared_ptr<Slot>& slot, Reply reply);
  // Adds this request as a waiter of `work`'s key; true when it must render (no one else is).
  bool join(const std::shared_ptr<Slot>& slot, Coalesced& work,
            std::shared_ptr<const Deferred> keep);
  void finish(const std::shared_ptr<Slot>& slot, Coalesced work);
  void work_on_pool(std::function<void()> job);
  // From any thread: hands a computed response back to this connection's strand.
  void deliver(const std::shared_ptr<Slot>& slot, Response response);
  void complete(const std::shared_ptr<Slot>& slot, Response response);
  void reject(const Error& error);  // answer an unreadable request, then close
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);

  void arm_read_timer(std::chrono::milliseconds timeout);
  void disarm_read_timer();
  void close();

  boost::beast::tcp_stream stream_;
  ServerContext& ctx_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::deque<std::shared_ptr<Slot>> queue_;  // requests read, responses written in this order
  boost::asio::steady_timer read_timer_;
  boost::asio::steady_timer write_timer_;
  unsigned read_generation_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // read no further requests
  bool served_any_ = false;
  std::string peer_;
};

}  // namespace tessera
