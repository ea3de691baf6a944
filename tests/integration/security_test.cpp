// Nothing a client sends reads a file outside the image root, and no error reveals a path.

#include <catch2/catch.hpp>

#include <fstream>

#include "tests/integration/fixture.hpp"

using namespace tessera::testing;

TEST_CASE("security: every traversal form is refused without revealing paths") {
  auto server = start_server();
  const std::string root = images().root.string();
  const std::string parent = images().root.parent_path().string();
  for (const std::string& target : std::vector<std::string>{
           "/iiif/../secret.tif/info.json",
           "/iiif/..%2Fsecret.tif/info.json",
           "/iiif/%2e%2e%2Fsecret.tif/info.json",
           "/iiif/%2E%2E/secret.tif/info.json",
           "/iiif/sub%2F..%2F..%2Fsecret.tif/info.json",
           "/iiif/%2F" + images().outside.relative_path().string() + "/info.json",
           "/iiif/%2Fetc%2Fpasswd/info.json",
           "/iiif/..%2F..%2F..%2F..%2Fetc%2Fpasswd/info.json",
           "/iiif/escape.tif/info.json",
           "/iiif/escape.tif/full/max/0/default.jpg",
           "/iiif/rgb.tif%00.txt/info.json",
           "/iiif/sub/info.json",
           "/iiif/./rgb.tif/info.json",
       }) {
    INFO(target);
    const auto r = http_get(server->port(), target);
    CHECK((r.status == 404 || r.status == 400 || r.status == 403));
    CHECK(r.body.find(root) == std::string::npos);
    CHECK(r.body.find(parent) == std::string::npos);
    CHECK(r.body.find("secret") == std::string::npos);
  }
  CHECK(http_get(server->port(), "/iiif/rgb.tif/info.json").status == 200);
}

TEST_CASE("security: a file that is not an image, or is damaged, is a clear error, not a crash") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "root");
  {
    std::ofstream(dir.path() / "root" / "readme.txt") << "not an image";
    const char broken[] = "II*\0this is not really a tiff";
    std::ofstream(dir.path() / "root" / "broken.tif").write(broken, sizeof broken - 1);
  }
  ServerProcess server({"--root", (dir.path() / "root").string()});
  const auto text = http_get(server.port(), "/iiif/readme.txt/info.json");
  CHECK(text.status == 501);
  const auto broken = http_get(server.port(), "/iiif/broken.tif/info.json");
  CHECK(broken.status == 500);
  CHECK(broken.body.find(dir.path().string()) == std::string::npos);
  CHECK(http_get(server.port(), "/health").status == 200);
}
