#include <catch2/catch.hpp>

#include <fstream>

#include "imaging/image_sequence.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

}  // namespace

TEST_CASE("image sequence: views from {stem}{pattern}{h}_{v} file names", "[sequence]") {
  testing::TempDir dir;
  const fs::path root = dir.path();
  for (const char* name : {"FZ1_pyr_000_090.tif", "FZ1_pyr_010_090.tif", "FZ1_pyr_350_090.tif",
                           "FZ1_pyr_000_080.tif", "FZ1_pyr_000_100.tif", "FZ1_pyr_bad_090.tif",
                           "FZ1_pyr_000_090", "FZ1.tif", "FZ12_pyr_020_090.tif"})
    touch(root / name);
  touch(root / "objects" / "vase_pyr_000_090.tif");
  touch(root / "objects" / "vase_pyr_045_090.jp2");

  ImageRoot image_root(root);
  SequenceFinder finder(image_root, "_pyr_");

  auto fz = finder.find("FZ1");
  REQUIRE(fz);
  CHECK((*fz)->horizontal_angles == std::vector<int>{0, 10, 350});
  CHECK((*fz)->vertical_angles == std::vector<int>{80, 90, 100});
  CHECK((*fz)->identifier(10, 90) == "FZ1_pyr_010_090.tif");
  CHECK((*fz)->identifier(0, 100) == "FZ1_pyr_000_100.tif");
  CHECK_FALSE((*fz)->identifier(10, 100));  // no such file
  CHECK((*fz)->files.size() == 5);          // "bad" angle, no extension and FZ12 left out

  auto vase = finder.find("objects/vase");
  REQUIRE(vase);
  CHECK((*vase)->horizontal_angles == std::vector<int>{0, 45});
  CHECK((*vase)->identifier(45, 90) == "objects/vase_pyr_045_090.jp2");

  SECTION("another pattern") {
    touch(root / "scan-v-400_000.tif");
    SequenceFinder other(image_root, "-v-");
    auto scan = other.find("scan");
    REQUIRE(scan);
    CHECK((*scan)->horizontal_angles == std::vector<int>{400});
    CHECK((*scan)->vertical_angles == std::vector<int>{0});
  }
}

TEST_CASE("image sequence: unknown stems and escapes are not found", "[sequence]") {
  testing::TempDir dir;
  const fs::path root = dir.path() / "root";
  touch(root / "a_pyr_000_090.tif");
  touch(dir.path() / "secret_pyr_000_090.tif");
  fs::create_symlink(dir.path() / "secret_pyr_000_090.tif", root / "link_pyr_000_090.tif");
  fs::create_directory_symlink(dir.path(), root / "up");

  ImageRoot image_root(root);
  SequenceFinder finder(image_root, "_pyr_");
  CHECK(finder.find("missing").error().code == Errc::not_found);
  CHECK(finder.find("../secret").error().code == Errc::not_found);
  CHECK(finder.find("up/secret").error().code == Errc::not_found);  // resolves outside the root
  CHECK(finder.find("link").error().code == Errc::not_found);
  CHECK(finder.find("nodir/a").error().code == Errc::not_found);
  CHECK(finder.find("").error().code == Errc::bad_request);
  CHECK(finder.find("a/").error().code == Errc::bad_request);
  CHECK(finder.find("/a").error().code == Errc::bad_request);
  CHECK(finder.find("a"));
}

TEST_CASE("image sequence: a new file is seen once the directory changes", "[sequence]") {
  testing::TempDir dir;
  touch(dir.path() / "s_pyr_000_090.tif");
  ImageRoot image_root(dir.path());
  SequenceFinder finder(image_root, "_pyr_");
  REQUIRE((*finder.find("s"))->horizontal_angles.size() == 1);
  // Directory timestamps may be coarse: make sure the change is visible.
  const auto before = fs::last_write_time(dir.path());
  touch(dir.path() / "s_pyr_090_090.tif");
  fs::last_write_time(dir.path(), before + std::chrono::seconds(2));
  CHECK((*finder.find("s"))->horizontal_angles == std::vector<int>{0, 90});
}
