#include <catch2/catch.hpp>

#include "protocols/identifier.hpp"

using namespace tessera;

TEST_CASE("identifier: percent-decoding") {
  CHECK(percent_decode("a%2Fb.tif") == "a/b.tif");
  CHECK(percent_decode("caf%C3%A9") == "caf\xC3\xA9");
  CHECK(percent_decode("plain+name") == "plain+name");
  CHECK(percent_decode("%2e%2e") == "..");
  CHECK_FALSE(percent_decode("bad%2"));
  CHECK_FALSE(percent_decode("bad%"));
  CHECK_FALSE(percent_decode("bad%zz"));
}

TEST_CASE("identifier: percent-encoding keeps only unreserved characters") {
  CHECK(percent_encode("dir/a b.tif") == "dir%2Fa%20b.tif");
  CHECK(percent_encode("A-z_0.9~") == "A-z_0.9~");
  CHECK(percent_decode(percent_encode("x/y%z\xC3\xA9")) == "x/y%z\xC3\xA9");
}
