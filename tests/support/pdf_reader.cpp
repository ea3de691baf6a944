// The test suite's own minimal PDF reader (see pdf_decode in reference_decoders.hpp): it shares
// no code with libharu, which Tessera's PDF encoder uses.

#include <zlib.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/reference_decoders.hpp"

namespace tessera::testing {

namespace {

// A PDF object: null (also for keywords), number, name, string, array, dict or reference.
struct PdfValue {
  enum Kind { null, number, name, string, array, dict, reference } kind = null;
  double num = 0;
  std::string text;                                       // name without '/', string, keyword
  std::vector<PdfValue> items;                            // array
  std::vector<std::pair<std::string, PdfValue>> entries;  // dict
  int ref = 0;                                            // the object a reference names

  const PdfValue* find(const std::string& key) const {
    for (const auto& [k, v] : entries)
      if (k == key) return &v;
    return nullptr;
  }
};

bool pdf_space(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool pdf_delimiter(char c) {
  return pdf_space(c) || std::strchr("()<>[]{}/%", c) != nullptr;
}

struct PdfParser {
  const std::string& s;
  std::size_t pos;

  void skip() {
    while (pos < s.size()) {
      if (pdf_space(s[pos])) {
        ++pos;
      } else if (s[pos] == '%') {
        while (pos < s.size() && s[pos] != '\n' && s[pos] != '\r') ++pos;
      } else {
        break;
      }
    }
  }
  std::string word() {
    const std::size_t start = pos;
    while (pos < s.size() && !pdf_delimiter(s[pos])) ++pos;
    return s.substr(start, pos - start);
  }
  // An unsigned integer at `pos` followed by whitespace, or -1; `pos` moves only on success.
  long integer_ahead() {
    skip();
    const std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start || pos >= s.size() || !pdf_delimiter(s[pos])) return pos = start, -1;
    return std::stol(s.substr(start, pos - start));
  }

  PdfValue value() {
    skip();
    REQUIRE(pos < s.size());
    PdfValue v;
    const char c = s[pos];
    if (c == '/') {
      ++pos;
      v.kind = PdfValue::name, v.text = word();
    } else if (s.compare(pos, 2, "<<") == 0) {
      pos += 2;
      v.kind = PdfValue::dict;
      for (skip(); s.compare(pos, 2, ">>") != 0; skip()) {
        const PdfValue key = value();
        REQUIRE(key.kind == PdfValue::name);
        v.entries.emplace_back(key.text, value());
      }
      pos += 2;
    } else if (c == '[') {
      ++pos;
      v.kind = PdfValue::array;
      for (skip(); s[pos] != ']'; skip()) v.items.push_back(value());
      ++pos;
    } else if (c == '(') {
      v.kind = PdfValue::string;
      int depth = 0;  // unescaped parentheses nest
      for (++pos;; ++pos) {
        REQUIRE(pos + 1 < s.size());
        if (s[pos] == '\\') {
          v.text += s[++pos];
          continue;
        }
        if (s[pos] == ')' && depth-- == 0) break;
        depth += s[pos] == '(';
        v.text += s[pos];
      }
      ++pos;
    } else if (c == '<') {
      v.kind = PdfValue::string;
      const std::size_t end = s.find('>', pos);
      v.text = s.substr(pos + 1, end - pos - 1);
      pos = end + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
      v.kind = PdfValue::number, v.num = std::stod(word());
      // "n g R" is a reference.
      const std::size_t after = pos;
      const long generation = integer_ahead();
      skip();
      if (generation >= 0 && s.compare(pos, 1, "R") == 0 &&
          (pos + 1 == s.size() || pdf_delimiter(s[pos + 1]))) {
        ++pos;
        v.kind = PdfValue::reference, v.ref = static_cast<int>(v.num);
      } else {
        pos = after;
      }
    } else {
      v.text = word();  // true, false, null
      REQUIRE(!v.text.empty());
    }
    return v;
  }
};

std::string inflate_all(std::string_view in) {
  z_stream z{};
  REQUIRE(inflateInit(&z) == Z_OK);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    out.resize(out.size() + 65536);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out.size() - 65536);
    z.avail_out = 65536;
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
  }
  inflateEnd(&z);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}

// Objects found through the cross-reference table.
struct PdfFile {
  const std::string& s;
  std::map<int, std::size_t> offsets;
  PdfValue trailer;

  explicit PdfFile(const std::string& bytes) : s(bytes) {
    const std::size_t start = s.rfind("startxref");
    REQUIRE(start != std::string::npos);
    PdfParser p{s, start + 9};
    p.skip();
    p.pos = static_cast<std::size_t>(p.integer_ahead());
    REQUIRE(s.compare(p.pos, 4, "xref") == 0);
    p.pos += 4;
    for (long first; (first = p.integer_ahead()) >= 0;) {
      const long count = p.integer_ahead();
      p.skip();
      for (long i = 0; i < count; ++i, p.pos += 20)  // fixed 20-byte entries
        if (s[p.pos + 17] == 'n')
          offsets[static_cast<int>(first + i)] = std::stoul(s.substr(p.pos, 10));
    }
    p.skip();
    REQUIRE(p.word() == "trailer");
    trailer = p.value();
  }

  // Object `number`, with its stream's bytes (decoded) in `data` if it has one.
  PdfValue object(int number, std::string* data = nullptr) const {
    REQUIRE(offsets.count(number) == 1);
    PdfParser p{s, offsets.at(number)};
    REQUIRE(p.integer_ahead() == number);
    REQUIRE(p.integer_ahead() >= 0);
    p.skip();
    REQUIRE(p.word() == "obj");
    PdfValue v = p.value();
    p.skip();
    if (s.compare(p.pos, 6, "stream") == 0) {
      p.pos += 6;
      p.pos += s.compare(p.pos, 2, "\r\n") == 0 ? 2 : 1;
      const auto length = static_cast<std::size_t>(resolve(*v.find("Length")).num);
      REQUIRE(p.pos + length <= s.size());
      std::string raw = s.substr(p.pos, length);
      const PdfValue* filter = v.find("Filter");
      if (filter && filter->kind == PdfValue::array) filter = &filter->items.at(0);
      if (filter) REQUIRE(filter->text == "FlateDecode");
      if (data) *data = filter ? inflate_all(raw) : raw;
    }
    return v;
  }
  PdfValue resolve(const PdfValue& v) const {
    return v.kind == PdfValue::reference ? object(v.ref) : v;
  }
  PdfValue get(const PdfValue& dict, const char* key) const {
    const PdfValue* v = dict.find(key);
    REQUIRE(v != nullptr);
    return resolve(*v);
  }
};

}  // namespace

Decoded pdf_decode(const std::string& bytes) {
  const PdfFile file(bytes);
  Decoded d;
  const PdfValue pages = file.get(file.get(file.trailer, "Root"), "Pages");
  const PdfValue kids = file.get(pages, "Kids");
  d.tags["pages"] = static_cast<int>(kids.items.size());
  const PdfValue page = file.resolve(kids.items.at(0));
  const PdfValue& holder = page.find("MediaBox") ? page : pages;  // inheritable
  for (const PdfValue& v : file.get(holder, "MediaBox").items) d.media_box.push_back(v.num);
  const PdfValue resources = file.get(page.find("Resources") ? page : pages, "Resources");
  const PdfValue xobjects = file.get(resources, "XObject");
  REQUIRE(xobjects.entries.size() == 1);
  const auto& [image_name, image_ref] = xobjects.entries[0];

  // The drawing: "a b c d e f cm /Name Do".
  std::string content;
  file.object(page.find("Contents")->ref, &content);
  PdfParser ops{content, 0};
  std::vector<double> operands;
  for (ops.skip(); ops.pos < content.size(); ops.skip()) {
    const PdfValue v = ops.value();
    if (v.kind == PdfValue::number) {
      operands.push_back(v.num);
    } else {
      if (v.text == "cm") d.image_matrix = operands;
      if (v.kind == PdfValue::name) REQUIRE(v.text == image_name);
      if (v.kind == PdfValue::null) operands.clear();
    }
  }
  REQUIRE(content.find("/" + image_name + " Do") != std::string::npos);

  std::string samples;
  const PdfValue image = file.object(image_ref.ref, &samples);
  const auto w = static_cast<std::int64_t>(file.get(image, "Width").num);
  const auto h = static_cast<std::int64_t>(file.get(image, "Height").num);
  d.tags["bpc"] = static_cast<int>(file.get(image, "BitsPerComponent").num);
  REQUIRE(d.tags["bpc"] == 8);
  const PdfValue filter = file.get(image, "Filter");
  d.names["Filter"] = filter.kind == PdfValue::array ? filter.items.at(0).text : filter.text;
  const PdfValue space = file.get(image, "ColorSpace");
  int components = 0;
  if (space.kind == PdfValue::array) {
    d.names["ColorSpace"] = space.items.at(0).text;
    REQUIRE(d.names["ColorSpace"] == "ICCBased");
    const PdfValue profile = file.object(space.items.at(1).ref, &d.icc);
    components = static_cast<int>(file.get(profile, "N").num);
  } else {
    d.names["ColorSpace"] = space.text;
    components = space.text == "DeviceGray" ? 1 : space.text == "DeviceRGB" ? 3 : 0;
  }
  d.tags["components"] = components;
  REQUIRE(components > 0);
  const std::size_t n = static_cast<std::size_t>(w * h);
  REQUIRE(samples.size() == n * components);

  std::string alpha;
  if (const PdfValue* smask = image.find("SMask")) {
    const PdfValue mask = file.object(smask->ref, &alpha);
    REQUIRE(file.get(mask, "ColorSpace").text == "DeviceGray");
    REQUIRE((file.get(mask, "Width").num == w && file.get(mask, "Height").num == h));
    REQUIRE(alpha.size() == n);
  }
  const int bands = components + (alpha.empty() ? 0 : 1);
  d.pixels = Raster(w, h, bands);
  for (std::size_t i = 0; i < n; ++i) {
    for (int c = 0; c < components; ++c)
      d.pixels.data[i * bands + c] = static_cast<std::uint8_t>(samples[i * components + c]);
    if (!alpha.empty()) d.pixels.data[i * bands + components] = static_cast<std::uint8_t>(alpha[i]);
  }
  return d;
}

}  // namespace tessera::testing
