#pragma once
// IIP's OBJ responses in iipsrv's exact text: "Key:value\r\n" lines (application/vnd.netfpx),
// a raw metadata value (text/plain, application/xml for XMP), or JSON for stack and metadata.
// Pure formatting over ImageInfo: unit-tested without images or networking.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/image_source.hpp"
#include "protocols/iip/command.hpp"

namespace tessera::iip {

inline constexpr std::string_view netfpx = "application/vnd.netfpx";

// What OBJ needs to know besides the image header.
struct ObjContext {
  const ImageInfo* info = nullptr;  // null before FIF
  std::vector<int> horizontal{0};   // view angles (iipsrv: 0 and 90 for a single file)
  std::vector<int> vertical{90};
  bool swapped = false;                  // ROT 90/270 came first: Max-size is h w
  std::vector<std::string> stack_names;  // one per page of a stack (empty: not a stack)
};

// The body built by a request's OBJ commands, in order.
struct ObjBody {
  bool protocol = false;  // OBJ=IIP,1.0 seen: the body starts with "IIP:1.0\r\n"
  std::string lines;
  std::string content_type{netfpx};
  bool produced() const { return protocol || !lines.empty(); }
  // The response body: protocol line (or iipsrv 1.1's bare CRLF) then the lines; JSON and
  // metadata values go as they are.
  std::string text() const;
};

// True for the objects that describe the server, not an image.
bool server_object(std::string_view lowered);

// Appends object `lowered` (the OBJ argument, lowercased). Errors: 3 2 unknown object.
std::optional<IipError> append_object(std::string_view lowered, const ObjContext& context,
                                      ObjBody& body);

// The commands Tessera serves, for IIP-opt-comm.
std::string_view served_commands();

}  // namespace tessera::iip
