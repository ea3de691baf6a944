#include "imaging/encoders/jpeg_segments.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace tessera::encoders {
namespace {

constexpr std::size_t max_segment_payload = 65535 - 2;  // the length field counts itself
constexpr char icc_signature[] = "ICC_PROFILE";         // 12 bytes with its NUL
constexpr std::size_t icc_chunk = max_segment_payload - sizeof icc_signature - 2;  // 65519
constexpr char xmp_signature[] = "http://ns.adobe.com/xap/1.0/";  // 29 bytes with its NUL
// The XMP specification's limit for the packet in the standard APP1 segment.
constexpr std::size_t max_xmp = 65502;

}  // namespace

void put16(std::string& out, std::size_t v) {
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put_segment_header(std::string& out, unsigned marker, std::size_t payload) {
  out.push_back('\xFF');
  out.push_back(static_cast<char>(marker));
  put16(out, payload + 2);
}

namespace {

std::uint16_t density(double dpi) {
  return static_cast<std::uint16_t>(std::clamp(std::lround(dpi), 1L, 65535L));
}

}  // namespace

// APP0 JFIF with the density in dots per inch.
std::string jfif_segment(const EncodeMetadata& meta) {
  std::string s;
  put_segment_header(s, 0xE0, 14);
  s.append("JFIF\0\x01\x01\x01", 8);  // identifier, version 1.1, units: dots per inch
  put16(s, density(meta.dpi_x));
  put16(s, density(meta.dpi_y));
  s.append("\0\0", 2);  // no thumbnail
  return s;
}

// The APP1 XMP and APP2 ICC segments (left out when the data cannot fit).
std::string metadata_segments(const EncodeMetadata& meta) {
  std::string s;
  if (!meta.xmp.empty() && meta.xmp.size() <= max_xmp) {
    put_segment_header(s, 0xE1, sizeof xmp_signature + meta.xmp.size());
    s.append(xmp_signature, sizeof xmp_signature);
    s.append(meta.xmp);
  }
  const std::size_t chunks = (meta.icc_profile.size() + icc_chunk - 1) / icc_chunk;
  if (chunks > 0 && chunks <= 255) {
    for (std::size_t i = 0; i < chunks; ++i) {
      const std::string_view part = meta.icc_profile.substr(i * icc_chunk, icc_chunk);
      put_segment_header(s, 0xE2, sizeof icc_signature + 2 + part.size());
      s.append(icc_signature, sizeof icc_signature);
      s.push_back(static_cast<char>(i + 1));  // sequence numbers start at 1
      s.push_back(static_cast<char>(chunks));
      s.append(part);
    }
  }
  return s;
}

}  // namespace tessera::encoders
