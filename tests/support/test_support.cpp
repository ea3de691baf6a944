#include "tests/support/test_support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <boost/beast/http/parser.hpp>

#include <boost/beast/http/string_body.hpp>
#include "imaging/pyramid_writer.hpp"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tessera::testing {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tessera-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

Raster test_pattern(std::int64_t width, std::int64_t height, int bands) {
  Raster r(width, height, bands);
  for (std::int64_t y = 0; y < height; ++y) {
    std::uint8_t* row = r.row(y);
    for (std::int64_t x = 0; x < width; ++x) {
      for (int b = 0; b < bands; ++b) {
        const std::int64_t v = b == 0   ? (x / 4) * 37 + (y / 16) * 11
                               : b == 1 ? (y / 4) * 53 + (x / 16) * 7
                                        : ((x + y) / 8) * 29 + b * 60;
        row[x * bands + b] = static_cast<std::uint8_t>(v & 0xFF);
      }
    }
  }
  return r;
}

Raster pyramid_level(const Raster& full, int k) {
  Raster r = full;
  for (int i = 0; i < k; ++i) r = halve(r);
  return r;
}

Raster crop(const Raster& in, std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h) {
  Raster out(w, h, in.bands, in.type);
  for (std::int64_t row = 0; row < h; ++row)
    std::memcpy(out.row(row), in.row(y + row) + static_cast<std::size_t>(x) * in.pixel_bytes(),
                out.row_bytes());
  return out;
}

Raster decode_jpeg(const std::string& bytes) {
  tjhandle tj = tjInitDecompress();
  if (!tj) throw std::runtime_error("tjInitDecompress failed");
  int w = 0, h = 0, subsampling = 0, colourspace = 0;
  auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  if (tjDecompressHeader3(tj, data, bytes.size(), &w, &h, &subsampling, &colourspace) != 0) {
    tjDestroy(tj);
    throw std::runtime_error("not a JPEG");
  }
  const bool grey = colourspace == TJCS_GRAY;
  Raster out(w, h, grey ? 1 : 3);
  const int rc = tjDecompress2(tj, data, bytes.size(), out.data.data(), w, 0, h,
                               grey ? TJPF_GRAY : TJPF_RGB, TJFLAG_ACCURATEDCT);
  tjDestroy(tj);
  if (rc != 0) throw std::runtime_error("JPEG decode failed");
  return out;
}

Difference compare(const Raster& a, const Raster& b) {
  if (a.width != b.width || a.height != b.height || a.bands != b.bands)
    throw std::runtime_error("compare: rasters differ in shape");
  Difference d;
  double total = 0;
  for (std::size_t i = 0; i < a.data.size(); ++i) {
    const int diff = std::abs(int(a.data[i]) - int(b.data[i]));
    total += diff;
    d.max = std::max(d.max, diff);
  }
  d.mean = a.data.empty() ? 0 : total / static_cast<double>(a.data.size());
  return d;
}

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

// ---- Connection ----

struct Connection::Impl {
  int fd = -1;
  std::string pending;  // bytes received but not yet parsed

  // Waits for readability; false on timeout.
  bool wait_readable(std::chrono::milliseconds timeout) const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) > 0;
  }
  // Appends what arrives; 0 on EOF, -1 on error or timeout.
  long receive(std::chrono::milliseconds timeout) {
    if (!wait_readable(timeout)) return -1;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) pending.append(buf, static_cast<std::size_t>(n));
    return n;
  }
};

Connection::Connection(std::uint16_t port) : impl_(new Impl) {
  impl_->fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(impl_->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(impl_->fd);
    delete impl_;
    throw std::runtime_error("connect failed");
  }
}

Connection::~Connection() {
  ::close(impl_->fd);
  delete impl_;
}

void Connection::send(const std::string& raw) {
  std::size_t sent = 0;
  while (sent < raw.size()) {
    const ssize_t n = ::send(impl_->fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
}

HttpResponse Connection::read_response(bool head) {
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  parser.skip(head);
  boost::beast::error_code ec;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!parser.is_done()) {
    if (!impl_->pending.empty()) {
      const std::size_t used = parser.put(boost::asio::buffer(impl_->pending), ec);
      impl_->pending.erase(0, used);
      if (ec && ec != http::error::need_more)
        throw std::runtime_error("bad response: " + ec.message());
      if (parser.is_done()) break;
      if (used > 0 && !ec) continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const long n = impl_->receive(std::max(left, 1ms));
    if (n == 0) {
      // A parser that saw nothing would report a default 200: closing before a response is an
      // error.
      if (!parser.got_some()) throw std::runtime_error("connection closed before a response");
      parser.put_eof(ec);
      if (ec || !parser.is_done()) throw std::runtime_error("connection closed mid-response");
    } else if (n < 0) {
      throw std::runtime_error("no response in time");
    }
  }
  HttpResponse out;
  const auto& msg = parser.get();
  out.status = msg.result_int();
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = msg.body();
  return out;
}

bool Connection::closed_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const long n = impl_->receive(left);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers) {
  Connection c(port);
  std::string raw =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) + "\r\n";
  for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
  raw += "Connection: close\r\n\r\n";
  c.send(raw);
  return c.read_response(method == "HEAD");
}

// ---- processes ----

namespace {

std::vector<std::string> environment_with(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (!extra.count(name)) env.push_back(entry);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -SIGKILL;
    }
    std::this_thread::sleep_for(10ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

ServerProcess::ServerProcess(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) {
  static int counter = 0;
  log_path_ =
      std::filesystem::temp_directory_path() /
      ("tessera-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".log");
  std::vector<std::string> argv_strings{TESSERA_BINARY, "--host", "127.0.0.1", "--port", "0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = environment_with(env);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);

  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(log, STDERR_FILENO);
    ::close(out[0]);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(out[1]);

  // Wait for "tessera listening on http://127.0.0.1:PORT".
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    pollfd p{out[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    line.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  const auto colon = line.rfind(':');
  if (line.find("listening on") == std::string::npos || colon == std::string::npos) {
    stop(SIGKILL);
    throw std::runtime_error("server did not start: " + line + "\n" + log());
  }
  port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) stop(SIGKILL);
  std::error_code ec;
  std::filesystem::remove(log_path_, ec);
}

int ServerProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const int status = wait_exit(pid_, timeout);
  pid_ = -1;
  return status;
}

std::string ServerProcess::log() const {
  return read_file(log_path_);
}

ProcessResult run_tessera(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  TempDir dir;
  const auto out_path = dir.path() / "out";
  const auto err_path = dir.path() / "err";
  std::vector<std::string> argv_strings{TESSERA_BINARY};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  auto env_strings = environment_with(env);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, STDOUT_FILENO);
    ::dup2(e, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ProcessResult r;
  r.exit_code = wait_exit(pid, 15s);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

}  // namespace tessera::testing
