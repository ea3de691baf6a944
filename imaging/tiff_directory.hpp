#pragma once
// The facts of each TIFF directory (IFD), read once when a file is opened, and the rules that
// group directories into images: which pages are pyramid levels of which image, which are
// separate images of a stack, and which (thumbnails, labels, masks) are ignored.

#include <tiffio.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imaging/error.hpp"

namespace tessera {

// How samples of a directory become pixels of a Raster.
enum class TiffPixels : std::uint8_t {
  direct,   // 8/16/32/64-bit samples copied as they are (min-is-white inverted)
  subbyte,  // 1/2/4-bit samples widened to 8 bits
  palette,  // indices expanded through the colour map to 8-bit RGB
  cielab,   // CIELAB / ICCLAB to float L*a*b*
  rgba,     // libtiff's RGBA interface (YCbCr without JPEG, old JPEG, CMYK): 8-bit RGB(A)
};

struct TiffDirectory {
  std::uint64_t offset = 0;  // where the IFD starts: selects it with TIFFSetSubDirectory
  bool from_subifd = false;
  int parent = -1;  // for SubIFDs: index of the top-level directory that points to it
  std::uint32_t width = 0, height = 0;
  bool tiled = false;
  std::uint32_t tile_width = 0, tile_height = 0;  // strips: width x rows per strip
  std::uint16_t samples = 1, bits = 8, sample_format = SAMPLEFORMAT_UINT;
  std::uint16_t photometric = PHOTOMETRIC_MINISBLACK, planar = PLANARCONFIG_CONTIG;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint32_t subfile_type = 0;
  std::uint16_t extra_samples = 0;
  bool alpha = false;  // the last extra sample is (associated or unassociated) alpha
  bool has_sample_range = false;
  double smin = 0, smax = 0;  // SMinSampleValue / SMaxSampleValue
  double dpi_x = 0, dpi_y = 0;
  double white_x = 0, white_y = 0;  // WhitePoint, when present
  std::string icc, xmp;
  std::map<std::string, std::string> metadata;
  std::shared_ptr<const std::vector<std::uint16_t>> colour_map;  // r, g, b runs of 2^bits each
  std::vector<std::uint64_t> subifds;                            // offsets of child IFDs

  TiffPixels pixels = TiffPixels::direct;
  int out_bands = 1;                      // bands of the decoded raster
  Error unsupported{Errc::internal, ""};  // set (non-empty message) when it cannot be decoded

  bool decodable() const { return unsupported.message.empty(); }
};

// Reads the current directory of `tif`.
TiffDirectory read_directory(TIFF* tif);

// Every directory of the file: the main chain, then each SubIFD (bounded in number).
std::vector<TiffDirectory> scan_directories(TIFF* tif);

// One image of a file: its levels as indices into the directory list, largest first.
struct TiffImage {
  std::vector<std::size_t> levels;
};

// Groups directories into images. The image's full resolution is the largest top-level page;
// other top-level pages of exactly that size are further images of a stack. An image's reduced
// levels are its SubIFDs and the smaller top-level pages that follow it, kept when they have its
// aspect ratio and sample layout (and are tiled when it is): so slide scanners' thumbnails, labels
// and macro photos drop out. Returns an error when no image is decodable.
Result<std::vector<TiffImage>> group_images(const std::vector<TiffDirectory>& dirs);

}  // namespace tessera
