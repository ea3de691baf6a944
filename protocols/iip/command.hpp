#pragma once
// The pure parsing layer of IIP: a query string becomes an ordered list of commands, and each
// command's argument becomes a typed value. No image, no I/O: everything here is unit-tested on
// strings alone. Failures are IipError values carrying iipsrv's error class and code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/encoder.hpp"
#include "imaging/view.hpp"

namespace tessera::iip {

// An error in iipsrv's "Error/<len>:<class> <code> <arg>" form, with the HTTP status Tessera
// answers it with. Classes and codes (iipsrv's where it has one):
//   1 1 FIF      404  no image of that name (the identifier is not echoed)
//   1 2 FIF      500  the image exists but cannot be read
//   1 3 <arg>    400  a command needs an image and no FIF came before it (iipsrv)
//   2 1 <query>  400  the request produced no output: malformed (iipsrv)
//   2 2 <name>   400  unknown command (iipsrv; the name as sent)
//   2 3 <name>   400  a command's argument is malformed or out of its range
//   2 4 <name>   404  resolution, tile, page or view that the image does not have
//   2 5 -        400  too many commands, or a command too long
//   3 2 <arg>    400  unknown OBJ object (iipsrv; the argument lowercased)
struct IipError {
  int error_class = 2;
  int code = 1;
  std::string argument;
  unsigned status = 400;
};
IipError bad_argument(std::string_view command);
IipError out_of_range(std::string_view command);

// "Error/<len>:<class> <code> <arg>\r\n"; len counts everything after the colon except CRLF.
std::string format_error(const IipError& e);

struct Command {
  std::string name;      // lowercased
  std::string raw_name;  // as sent (for error messages)
  std::string value;     // percent-decoded
};

inline constexpr std::size_t max_commands = 64;
inline constexpr std::size_t max_value_length = 4096;

// Splits on '&', each part at its first '='. Parts with an empty name or an empty value are
// dropped, as iipsrv does; a part with no '=' keeps its whole text as value (a bare "INV").
std::optional<IipError> parse_query(std::string_view query, std::vector<Command>& out);

struct TileArg {
  int resolution = 0;
  std::int64_t tile = 0;
};
std::optional<TileArg> parse_tile(std::string_view v);  // "r,t"
struct AngledTileArg {
  int horizontal = 0, vertical = 0;
  TileArg tile;
};
std::optional<AngledTileArg> parse_jtls(std::string_view v);  // "x,r,t,y"

// RGN fractions, each clamped to [0, 1]; nullopt when a value is not a number or w, h <= 0.
struct RegionArg {
  double x = 0, y = 0, w = 1, h = 1;
};
std::optional<RegionArg> parse_region(std::string_view v);
std::optional<Rotation> parse_rotation(std::string_view v);  // "[!]deg", any angle
std::optional<std::int64_t> parse_size(std::string_view v);  // WID / HEI: 1 .. 1<<20

// QLT "[lzw|deflate|jpeg|webp|zstd:]q" applied to every encoder's setting; TIFF compressions
// Tessera lacks (webp, zstd) leave the configured one.
std::optional<EncodeOptions> parse_quality(std::string_view v, EncodeOptions base);

std::optional<Contrast> parse_contrast(std::string_view v);  // float | eq | st ...
std::optional<Gamma> parse_gamma(std::string_view v);        // float | log | logarithm
std::optional<BandRange> parse_minmax(std::string_view v);   // "ch|-:min,max", ch from 0
std::optional<Colormap> parse_colormap(std::string_view v);
std::optional<BandMatrix> parse_twist(std::string_view v);  // "[a,b;c,d]", 1 to 3 rows
std::optional<HillShade> parse_shade(std::string_view v);   // "h,v" degrees
std::optional<Quality> parse_colour(std::string_view v);    // grey | gray | binary
std::optional<Kernel> parse_kernel(std::string_view v);     // name or [k...] odd square <= 5
std::optional<int> parse_layers(std::string_view v);        // 1 .. 256
struct ViewArg {
  int horizontal = 0, vertical = 0;
};
std::optional<ViewArg> parse_sds(std::string_view v);  // "x[,y]" (y 0 when absent)

// The CVT value's format (jpeg, jpg, png, ...: the registry's names and extensions, any case).
const OutputFormat* parse_format(std::string_view v);

}  // namespace tessera::iip
