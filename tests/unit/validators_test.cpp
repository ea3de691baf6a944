#include <catch2/catch.hpp>

#include "protocols/validators.hpp"

using namespace tessera;

TEST_CASE("http date: formats IMF-fixdate and parses all three RFC forms") {
  CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777);
  CHECK(parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777);
  CHECK(parse_http_date(format_http_date(1'800'000'000)) == 1'800'000'000);
  CHECK_FALSE(parse_http_date("yesterday"));
  CHECK_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
}

TEST_CASE("etag: strong, quoted, stable and distinct per key") {
  const auto a = make_etag("image|1");
  CHECK(a.size() == 18);
  CHECK(a.front() == '"');
  CHECK(a.back() == '"');
  CHECK(a == make_etag("image|1"));
  CHECK(a != make_etag("image|2"));
}

TEST_CASE("etag: If-None-Match lists, weak tags and the wildcard") {
  const std::string tag = "\"abc\"";
  CHECK(etag_matches("\"abc\"", tag));
  CHECK(etag_matches("\"x\", \"abc\"", tag));
  CHECK(etag_matches("W/\"abc\"", tag));
  CHECK(etag_matches("*", tag));
  CHECK_FALSE(etag_matches("\"abcd\"", tag));
  CHECK_FALSE(etag_matches("abc", tag));
}

TEST_CASE("conditional: If-None-Match decides before If-Modified-Since") {
  const std::string tag = make_etag("k");
  const std::int64_t mtime = 1'700'000'000;
  Request r;
  CHECK_FALSE(is_not_modified(r, tag, mtime));

  r.headers = {{"if-modified-since", format_http_date(mtime)}};
  CHECK(is_not_modified(r, tag, mtime));
  r.headers = {{"if-modified-since", format_http_date(mtime - 1)}};
  CHECK_FALSE(is_not_modified(r, tag, mtime));
  r.headers = {{"if-modified-since", "garbage"}};
  CHECK_FALSE(is_not_modified(r, tag, mtime));

  r.headers = {{"if-none-match", "\"other\""}, {"if-modified-since", format_http_date(mtime)}};
  CHECK_FALSE(is_not_modified(r, tag, mtime));
  r.headers = {{"if-none-match", tag}};
  CHECK(is_not_modified(r, tag, mtime));
}
