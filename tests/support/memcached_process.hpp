#pragma once
// A real memcached on 127.0.0.1 for the tests of the shared cache (header-only, so the unit and
// integration binaries use it without a library change). Tests skip when the binary is absent.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tessera::testing {

// The memcached binary on PATH (or in /usr/bin), if installed.
inline std::optional<std::filesystem::path> memcached_binary() {
  std::vector<std::string> dirs{"/usr/bin", "/usr/local/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (std::size_t start = 0; start <= p.size();) {
      const auto end = std::min(p.find(':', start), p.size());
      if (end > start) dirs.push_back(p.substr(start, end - start));
      start = end + 1;
    }
  }
  for (const auto& d : dirs) {
    const auto candidate = std::filesystem::path(d) / "memcached";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// A port nobody listens on right now: bound to port 0, read back, released.
inline std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("free_loopback_port: cannot bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// memcached -l 127.0.0.1 -p <port> -U 0 as a child process; killed on destruction.
class MemcachedProcess {
 public:
  explicit MemcachedProcess(std::uint16_t port = 0) : port_(port ? port : free_loopback_port()) {
    start();
  }
  ~MemcachedProcess() { stop(); }
  MemcachedProcess(const MemcachedProcess&) = delete;
  MemcachedProcess& operator=(const MemcachedProcess&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  void start() {
    if (pid_ > 0) return;
    const auto binary = memcached_binary();
    if (!binary) throw std::runtime_error("memcached is not installed");
    std::vector<std::string> args{
        binary->string(), "-l", "127.0.0.1", "-p", std::to_string(port_), "-U", "0", "-m", "64"};
    if (::geteuid() == 0) args.insert(args.end(), {"-u", "root"});  // it refuses root otherwise
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!accepts_connections(port_)) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_ ||
          std::chrono::steady_clock::now() > deadline) {
        stop();
        throw std::runtime_error("memcached did not start on port " + std::to_string(port_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // SIGKILL, as a crash would; the port is free again afterwards.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // A hung server: connections are accepted by the kernel but never answered.
  void freeze() {
    ::kill(pid_, SIGSTOP);
    int status = 0;
    ::waitpid(pid_, &status, WUNTRACED);  // the signal is asynchronous: wait for every thread
  }
  void thaw() { ::kill(pid_, SIGCONT); }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace tessera::testing
