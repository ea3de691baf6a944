#include "server/listener.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace tessera {

namespace net = boost::asio;
using tcp = net::ip::tcp;

Listener::Listener(net::io_context& ioc, const tcp::endpoint& endpoint, ServerContext& context)
    : ioc_(ioc), acceptor_(net::make_strand(ioc)), ctx_(context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);

  const std::string body = "server busy, retry shortly\n";
  std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n";
  if (!ctx_.config.cors.empty())
    response += "Access-Control-Allow-Origin: " + ctx_.config.cors + "\r\n";
  response +=
      "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  busy_response_ = std::make_shared<const std::string>(std::move(response));
}

void Listener::run() {
  do_accept();
}

void Listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), boost::beast::bind_front_handler(
                                                     &Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(boost::beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    spdlog::warn("accept failed: {}", ec.message());
  } else if (ctx_.stopping) {
    return;
  } else if (static_cast<std::size_t>(ctx_.metrics.open_connections.load()) >=
             ctx_.config.max_connections) {
    refuse(std::move(socket));
  } else {
    std::make_shared<Session>(std::move(socket), ctx_)->start();
  }
  do_accept();
}

void Listener::refuse(tcp::socket socket) {
  ++ctx_.metrics.refused_connections;
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*s, net::buffer(*busy_response_),
                   [s, keep = busy_response_](boost::system::error_code, std::size_t) {
                     boost::system::error_code ignored;
                     s->shutdown(tcp::socket::shutdown_both, ignored);
                     s->close(ignored);
                   });
}

}  // namespace tessera
