#include <catch2/catch.hpp>

#include <fstream>

#include "imaging/image_root.hpp"
#include "tests/support/test_support.hpp"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

struct Tree {
  testing::TempDir dir;
  fs::path root = dir.path() / "root";
  fs::path outside = dir.path() / "secret.tif";

  Tree() {
    fs::create_directories(root / "sub");
    std::ofstream(root / "a.tif") << "x";
    std::ofstream(root / "sub" / "b.tif") << "yy";
    std::ofstream(root / "caf\xC3\xA9.tif") << "z";
    std::ofstream(outside) << "secret";
    fs::create_symlink(outside, root / "escape.tif");
    fs::create_symlink(dir.path(), root / "escape-dir");
    fs::create_symlink(root / "sub" / "b.tif", root / "inside-link.tif");
  }
};

}  // namespace

TEST_CASE("image root: plain and nested identifiers resolve to files inside the root") {
  Tree t;
  ImageRoot root(t.root);
  auto a = root.resolve("a.tif");
  REQUIRE(a.ok());
  CHECK(a->stamp.size == 1);
  auto b = root.resolve("sub/b.tif");
  REQUIRE(b.ok());
  CHECK(b->stamp.size == 2);
  CHECK(root.resolve("caf\xC3\xA9.tif").ok());
  auto link = root.resolve("inside-link.tif");  // a symlink that stays inside is fine
  REQUIRE(link.ok());
  CHECK(link->path == fs::canonical(t.root / "sub" / "b.tif"));
}

TEST_CASE("image root: traversal, absolute paths, NUL and escaping symlinks are not found") {
  Tree t;
  ImageRoot root(t.root);
  for (std::string id :
       {"../secret.tif", "sub/../../secret.tif", "/etc/passwd", "./a.tif", "sub//b.tif", "",
        "escape.tif", "escape-dir/secret.tif", "sub", "missing.tif", "a.tif/"}) {
    INFO(id);
    auto r = root.resolve(id);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::not_found);
    CHECK(r.error().message.find(t.dir.path().string()) == std::string::npos);
  }
  std::string with_nul = "a.tif";
  with_nul.push_back('\0');
  with_nul += "x";
  CHECK_FALSE(root.resolve(with_nul).ok());
}

TEST_CASE("image root: the stamp changes when the file is rewritten") {
  Tree t;
  ImageRoot root(t.root);
  const auto before = root.resolve("a.tif")->stamp;
  fs::remove(t.root / "a.tif");
  std::ofstream(t.root / "a.tif") << "longer content";
  const auto after = root.resolve("a.tif")->stamp;
  CHECK(before != after);
}

TEST_CASE("image root: a root that is not a directory is a start-up error") {
  testing::TempDir dir;
  CHECK_THROWS(ImageRoot(dir.path() / "nope"));
}

TEST_CASE("image root: suffixes are tried after the exact name, still inside the root") {
  Tree t;
  std::ofstream(t.root / "plain") << "1234";
  ImageRoot root(t.root, {".tif", ".jp2"});
  auto a = root.resolve("a");
  REQUIRE(a.ok());
  CHECK(a->path.filename() == "a.tif");
  CHECK(root.resolve("sub/b").ok());
  // The exact name wins over a suffixed one.
  std::ofstream(t.root / "plain.tif") << "x";
  auto plain = root.resolve("plain");
  REQUIRE(plain.ok());
  CHECK(plain->stamp.size == 4);
  // Suffixes never lead outside the root or past the checks.
  CHECK_FALSE(root.resolve("escape").ok());
  CHECK_FALSE(root.resolve("../secret").ok());
  CHECK_FALSE(root.resolve("missing").ok());
  CHECK_FALSE(ImageRoot(t.root).resolve("a").ok());  // no suffixes: exact names only
  CHECK_THROWS(ImageRoot(t.root, {"/x"}));
}
