#include "server/session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/logging.hpp"
#include "server/shared_body.hpp"

namespace tessera {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using clock = std::chrono::steady_clock;

struct Session::Slot {
  Request request;
  unsigned version = 11;
  clock::time_point started = clock::now();
  bool keep_alive = true;
  std::string_view protocol;
  std::optional<http::response<SharedBody>> message;  // set when the response is ready
  unsigned status = 0;
  std::uint64_t body_bytes = 0;
  CacheOutcome cache = CacheOutcome::none;
};

namespace {

Method to_method(http::verb verb) {
  switch (verb) {
    case http::verb::get:
      return Method::get;
    case http::verb::head:
      return Method::head;
    case http::verb::options:
      return Method::options;
    default:
      return Method::other;
  }
}

std::string_view cache_label(CacheOutcome c) {
  switch (c) {
    case CacheOutcome::hit:
      return "hit";
    case CacheOutcome::miss:
      return "miss";
    case CacheOutcome::shared:
      return "shared";
    case CacheOutcome::coalesced:
      return "coalesced";
    case CacheOutcome::none:
      break;
  }
  return "-";
}

}  // namespace

void ServerContext::shutdown_sessions() {
  stopping = true;
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [ptr, weak] : sessions)
      if (auto s = weak.lock()) live.push_back(std::move(s));
  }
  for (auto& s : live) s->shutdown();
}

Session::Session(net::ip::tcp::socket&& socket, ServerContext& context)
    : stream_(std::move(socket)),
      ctx_(context),
      read_timer_(stream_.get_executor()),
      write_timer_(stream_.get_executor()) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = endpoint.address().to_string();
  ++ctx_.metrics.open_connections;
}

Session::~Session() {
  --ctx_.metrics.open_connections;
  std::lock_guard lock(ctx_.sessions_mutex);
  ctx_.sessions.erase(this);
}

void Session::start() {
  {
    std::lock_guard lock(ctx_.sessions_mutex);
    ctx_.sessions.emplace(this, weak_from_this());
  }
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    if (self->ctx_.stopping) return self->close();
    self->do_read();
  });
}

void Session::shutdown() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (self->queue_.empty()) self->close();
  });
}

void Session::do_read() {
  if (closing_ || reading_ || queue_.size() >= ctx_.config.max_pipeline) return;
  reading_ = true;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(ctx_.config.max_header_bytes));
  parser_->body_limit(0);  // request bodies are refused
  // Only a connection with nothing in progress is timed: the client owes us a request.
  if (queue_.empty())
    arm_read_timer(served_any_ ? ctx_.config.keepalive_timeout : ctx_.config.read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&Session::on_read, shared_from_this()));
}

void Session::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  disarm_read_timer();
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == net::error::eof || ec == net::error::connection_reset) {
    closing_ = true;
    if (queue_.empty()) close();
    return;
  }
  if (ec == http::error::header_limit)
    return reject(make_error(Errc::header_too_large, "request header too large"));
  if (ec == http::error::body_limit)
    return reject(make_error(Errc::payload_too_large, "request bodies are not accepted"));
  if (ec) {
    spdlog::debug("{}: bad request: {}", peer_, ec.message());
    return reject(make_error(Errc::bad_request, "malformed HTTP request"));
  }

  auto& msg = parser_->get();
  auto slot = std::make_shared<Slot>();
  slot->request.method = to_method(msg.method());
  slot->request.target = std::string(msg.target());
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    slot->request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  slot->version = msg.version();
  slot->keep_alive = msg.keep_alive() && !ctx_.stopping;
  slot->protocol = Router::protocol_of(slot->request.path());
  served_any_ = true;
  if (!slot->keep_alive) closing_ = true;
  queue_.push_back(slot);
  ++ctx_.metrics.in_flight;

  run(slot, ctx_.router.route(slot->request));
  do_read();  // read ahead: pipelined requests are computed while this one is
}

void Session::run(const std::shared_ptr<Slot>& slot, Reply reply) {
  if (auto* response = std::get_if<Response>(&reply)) return complete(slot, std::move(*response));
  if (auto* shared = std::get_if<Coalesced>(&reply)) {
    // Joined to a render already running: nothing to do until it answers.
    if (!join(slot, *shared, nullptr)) return;
    return work_on_pool([self = shared_from_this(), slot, work = std::move(*shared)] {
      self->finish(slot, std::move(work));
    });
  }
  work_on_pool([self = shared_from_this(), slot, reply = std::move(reply)]() mutable {
    self->carry_on(slot, std::move(reply));
  });
}

// On a worker: runs deferred work, and whatever work it hands back, until a response or a
// render that joins another. Never waits for other work: a worker blocked on a render queued
// behind it would never be released.
void Session::carry_on(const std::shared_ptr<Slot>& slot, Reply reply) {
  std::shared_ptr<const Deferred> keep;  // closures of later work may point into earlier work
  for (;;) {
    if (auto* response = std::get_if<Response>(&reply)) return deliver(slot, std::move(*response));
    if (auto* shared = std::get_if<Coalesced>(&reply)) {
      if (join(slot, *shared, keep)) finish(slot, std::move(*shared));
      return;
    }
    keep = std::make_shared<const Deferred>(std::move(std::get<Deferred>(reply)));
    try {
      reply = keep->work();
    } catch (const std::exception& e) {
      spdlog::error("request {} failed: {}", slot->request.target, e.what());
      reply = error_response(make_error(Errc::internal, "internal error"));
    }
  }
}

bool Session::join(const std::shared_ptr<Slot>& slot, Coalesced& work,
                   std::shared_ptr<const Deferred> keep) {
  return work.group->join(
      work.key, [self = shared_from_this(), slot, keep = std::move(keep), respond = work.respond](
                    const Production& produced, bool computed) {
        Response r = respond(produced);
        if (!computed) r.cache = CacheOutcome::coalesced;
        self->deliver(slot, std::move(r));
      });
}

void Session::finish(const std::shared_ptr<Slot>&, Coalesced work) {
  work.group->finish(work.key, produce(work));
}

void Session::work_on_pool(std::function<void()> job) {
  ++ctx_.metrics.queue_depth;
  net::post(ctx_.workers, [self = shared_from_this(), job = std::move(job)] {
    --self->ctx_.metrics.queue_depth;
    job();
  });
}

void Session::deliver(const std::shared_ptr<Slot>& slot, Response response) {
  net::post(stream_.get_executor(),
            [self = shared_from_this(), slot, r = std::move(response)]() mutable {
              self->complete(slot, std::move(r));
            });
}

void Session::complete(const std::shared_ptr<Slot>& slot, Response response) {
  ctx_.router.finalize(response);
  // Shutting down: answer everything already read, and close after the last of it.
  if (ctx_.stopping && slot == queue_.back()) slot->keep_alive = false;

  http::response<SharedBody> msg{static_cast<http::status>(response.status), slot->version};
  for (auto& [name, value] : response.headers) msg.set(name, value);
  const std::uint64_t length = response.body ? response.body->size() : 0;
  const bool bodiless_status =
      response.status == 204 || response.status == 304 || response.status < 200;
  if (!bodiless_status) msg.content_length(length);  // HEAD too: the length of the GET body
  if (slot->request.method != Method::head && !bodiless_status) {
    msg.body() = std::move(response.body);
    slot->body_bytes = length;
  }
  msg.keep_alive(slot->keep_alive);
  slot->status = response.status;
  slot->cache = response.cache;
  slot->message.emplace(std::move(msg));
  do_write();
}

void Session::reject(const Error& error) {
  closing_ = true;
  auto slot = std::make_shared<Slot>();
  slot->keep_alive = false;
  slot->request.method = Method::other;  // its target stays empty: the request was unreadable
  slot->protocol = "other";
  queue_.push_back(slot);
  ++ctx_.metrics.in_flight;
  complete(slot, error_response(error));
}

void Session::do_write() {
  if (writing_ || queue_.empty() || !queue_.front()->message) return;
  if (!stream_.socket().is_open()) return;
  writing_ = true;
  write_timer_.expires_after(ctx_.config.write_timeout);
  write_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) {
      spdlog::debug("{}: write timed out", self->peer_);
      self->close();
    }
  });
  http::async_write(stream_, *queue_.front()->message,
                    beast::bind_front_handler(&Session::on_write, shared_from_this()));
}

void Session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  write_timer_.cancel();
  auto slot = queue_.front();
  queue_.pop_front();
  --ctx_.metrics.in_flight;

  const auto elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - slot->started);
  ctx_.metrics.record(slot->protocol, slot->status, ec ? 0 : slot->body_bytes, elapsed);
  static constexpr std::string_view method_names[] = {"GET", "HEAD", "OPTIONS", "-"};
  access_log().info(
      "{} {} {} {} {} {}us {}", peer_.empty() ? "-" : peer_,
      method_names[static_cast<int>(slot->request.method)],
      slot->request.target.empty() ? std::string_view("-") : std::string_view(slot->request.target),
      slot->status, slot->body_bytes, elapsed.count(), cache_label(slot->cache));

  if (ec) {
    spdlog::debug("{}: write failed: {}", peer_, ec.message());
    return close();
  }
  if (!slot->keep_alive) return close();
  if (queue_.empty() && closing_) return close();
  do_write();
  if (!reading_) {
    do_read();
  } else if (queue_.empty()) {
    arm_read_timer(
        ctx_.config.keepalive_timeout);  // the read in progress now waits on an idle client
  }
}

void Session::arm_read_timer(std::chrono::milliseconds timeout) {
  const unsigned generation = ++read_generation_;
  read_timer_.expires_after(timeout);
  read_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (ec || generation != self->read_generation_) return;
    spdlog::debug("{}: read timed out", self->peer_);
    self->closing_ = true;
    if (self->queue_.empty()) self->close();
  });
}

void Session::disarm_read_timer() {
  ++read_generation_;
  read_timer_.cancel();
}

void Session::close() {
  closing_ = true;
  disarm_read_timer();
  write_timer_.cancel();
  beast::error_code ignored;
  auto& socket = stream_.socket();
  if (!socket.is_open()) return;
  socket.shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace tessera
