// The binary as a process: options, start-up errors, logging and graceful shutdown.

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>

#include "tests/integration/fixture.hpp"

using namespace tessera::testing;
using namespace std::chrono_literals;

TEST_CASE("process: --help and --version") {
  const auto help = run_tessera({"--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Catch::Contains("--root") && Catch::Contains("FILESYSTEM_PREFIX"));
  const auto version = run_tessera({"--version"});
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::StartsWith("tessera "));
}

TEST_CASE("process: invalid settings stop start-up with a message naming them") {
  const auto env = run_tessera({"--root", images().root.string()}, {{"JPEG_QUALITY", "0"}});
  CHECK(env.exit_code == 2);
  CHECK_THAT(env.err, Catch::Contains("JPEG_QUALITY"));

  const auto root = run_tessera({"--root", "/nonexistent/tessera/root", "--port", "0"});
  CHECK(root.exit_code == 1);
  CHECK_THAT(root.err, Catch::Contains("root"));
}

TEST_CASE("process: one access-log line per request, to LOGFILE") {
  TempDir dir;
  const auto log = dir.path() / "tessera.log";
  {
    auto server = start_server({}, {{"LOGFILE", log.string()}});
    http_get(server->port(), "/iiif/rgb.tif/0,0,256,256/256,/0/default.jpg");
    http_get(server->port(), "/iiif/rgb.tif/0,0,256,256/256,/0/default.jpg");
    CHECK(server->stop(SIGTERM) == 0);
  }
  std::ifstream in(log);
  std::string line, all;
  int access_lines = 0;
  while (std::getline(in, line)) {
    all += line + "\n";
    if (line.find("GET /iiif/rgb.tif/0,0,256,256/256,/0/default.jpg 200") != std::string::npos) {
      ++access_lines;
      CHECK_THAT(line, Catch::Contains("127.0.0.1") && Catch::Contains("us "));
    }
  }
  INFO(all);
  CHECK(access_lines == 2);
  CHECK_THAT(all, Catch::Contains("us miss") && Catch::Contains("us hit"));
}

TEST_CASE("process: SIGTERM finishes in-flight requests and exits 0") {
  auto server = start_server({"--workers", "1"});
  // Eight pipelined renders of ~3000 px each, queued on one worker.
  const int n = 8;
  Connection c(server->port());
  std::string batch;
  for (int i = 0; i < n; ++i)
    batch += "GET /iiif/rgb.tif/full/^" + std::to_string(3000 + i) +
             ",/0/default.jpg HTTP/1.1\r\nHost: t\r\n\r\n";
  c.send(batch);
  // Once the first answer is here the others are read and in flight: now ask the server to stop.
  auto first = c.read_response();
  CHECK(first.status == 200);
  REQUIRE(::kill(server->pid(), SIGTERM) == 0);
  int answered = 1;
  std::string last_connection;
  for (int i = 1; i < n; ++i) {
    const auto r = c.read_response();
    INFO("response " << i << ": " << r.header("content-type") << ", " << r.body.size() << " bytes");
    CHECK(r.status == 200);
    CHECK(decode_jpeg(r.body).width == 3000 + i);
    last_connection = r.header("connection");
    ++answered;
  }
  CHECK(answered == n);
  CHECK(last_connection == "close");  // only the last in-flight response closes the connection
  CHECK(c.closed_within(5s));
  CHECK(server->stop(0) == 0);               // signal 0 only waits for the exit
  CHECK_THROWS(Connection(server->port()));  // nobody listens any more
}

TEST_CASE("process: SIGINT on an idle server exits 0 promptly") {
  auto server = start_server();
  Connection idle(server->port());
  const auto start = std::chrono::steady_clock::now();
  CHECK(server->stop(SIGINT) == 0);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}
