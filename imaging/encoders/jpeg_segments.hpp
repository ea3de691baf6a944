#pragma once
// The JPEG marker segments Tessera writes around compressed data: the JFIF header and the XMP
// and ICC segments. Shared by the JPEG encoder and codec pass-through, so a stored tile sent as
// it is carries exactly the metadata an encoded one would.

#include <cstddef>
#include <string>

#include "imaging/encoder.hpp"

namespace tessera::encoders {

// Appends a marker and its big-endian length field (which counts itself).
void put_segment_header(std::string& out, unsigned marker, std::size_t payload);
void put16(std::string& out, std::size_t value);

// APP0 JFIF 1.1 with the density in dots per inch.
std::string jfif_segment(const EncodeMetadata& meta);

// The APP1 XMP and APP2 ICC segments (each left out when it cannot fit).
std::string metadata_segments(const EncodeMetadata& meta);

}  // namespace tessera::encoders
