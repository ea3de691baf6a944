#pragma once
// Accepts connections and gives each its own strand and Session. Over the connection limit, a
// new connection gets a short 503 with Retry-After and is closed.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

#include "server/session.hpp"

namespace tessera {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Throws boost::system::system_error if the address cannot be bound.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint,
           ServerContext& context);

  void run();
  void stop();  // stop accepting; existing connections are not touched
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);
  void refuse(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  ServerContext& ctx_;
  std::shared_ptr<const std::string> busy_response_;
};

}  // namespace tessera
