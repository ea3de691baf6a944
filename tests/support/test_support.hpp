#pragma once
// Helpers shared by the unit and integration tests: temporary directories, a deterministic test
// pattern, JPEG decoding, the real server as a child process, and a small blocking HTTP client.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "imaging/raster.hpp"

namespace tessera::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Deterministic content where a shift of one pixel changes many samples a lot, and that JPEG
// still compresses well enough: 4-pixel stripes whose values step by large amounts.
Raster test_pattern(std::int64_t width, std::int64_t height, int bands);

// Level k of a pyramid as write_pyramid_tiff stores it: `full` halved k times.
Raster pyramid_level(const Raster& full, int k);

// A region of a raster (no scaling).
Raster crop(const Raster& in, std::int64_t x, std::int64_t y, std::int64_t w, std::int64_t h);

// Decodes a JPEG to 8-bit grey (1 band) or RGB (3 bands); throws std::runtime_error.
Raster decode_jpeg(const std::string& bytes);

struct Difference {
  double mean = 0;  // mean absolute difference per sample
  int max = 0;
};
Difference compare(const Raster& a, const Raster& b);  // sizes and bands must match

// ---- HTTP ----

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string header(const std::string& lower_name) const;
};

// One TCP connection to 127.0.0.1:port, for keep-alive and pipelining tests.
class Connection {
 public:
  explicit Connection(std::uint16_t port);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& raw);
  // Reads one response; `head` for a response to HEAD (no body follows).
  HttpResponse read_response(bool head = false);
  // True if the server closed the connection within `timeout` (reads until EOF).
  bool closed_within(std::chrono::milliseconds timeout);

 private:
  struct Impl;
  Impl* impl_;
};

// One request on a new connection.
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const std::map<std::string, std::string>& headers = {});
inline HttpResponse http_get(std::uint16_t port, const std::string& target,
                             const std::map<std::string, std::string>& headers = {}) {
  return http_request(port, "GET", target, headers);
}

// The real `tessera` binary as a child process on an ephemeral port.
class ServerProcess {
 public:
  // `args` are passed after --host 127.0.0.1 --port 0; `env` entries are added to the environment.
  explicit ServerProcess(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for the exit; returns the exit status (or -signal if killed).
  int stop(int signal, std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // Everything the server wrote to stderr so far (its log).
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::filesystem::path log_path_;
};

// Runs the binary to completion (for --help, --version and bad settings).
struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
ProcessResult run_tessera(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env = {});

}  // namespace tessera::testing
