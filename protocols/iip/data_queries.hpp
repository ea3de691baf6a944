#pragma once
// IIP's data queries, which answer with numbers rather than pictures: PFL (the samples along a
// line, as JSON) and SPECTRA (one point's value in every image of a multispectral series, as
// XML), in iipsrv's response formats. Resolutions count as in IIP: 0 is the smallest level.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "imaging/error.hpp"
#include "imaging/image_source.hpp"

namespace tessera::iip {

// One image of a series and the label its values carry (a wavelength: the stack page's name,
// else the sequence's horizontal angle or page number).
struct SpectralImage {
  std::string wavelength;
  std::shared_ptr<const ImageSource> source;
};

// PFL=res:x1,y1-x2,y2 (pixel coordinates in that resolution; the end is exclusive), or
// PFL=res:x,y for one point. Lines are horizontal (x2 > x1) or vertical (y2 > y1); anything
// else gives the start point alone, as iipsrv.
struct ProfileQuery {
  int resolution = 0;
  std::int64_t x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};
Result<ProfileQuery> parse_profile(std::string_view argument);
// Blocking (reads pixels). The samples as stored (every band, interleaved per pixel) in
// iipsrv's document: {"profile": [...]} for one image; for a series of several, an object of
// one array per wavelength. Errc::bad_request for a resolution or point outside the image.
Result<std::string> profile_json(const ImageSource& source, const ProfileQuery& query);
Result<std::string> profile_json(std::span<const SpectralImage> series, const ProfileQuery& query);

// SPECTRA=res,tile,x,y (x, y inside that tile).
struct SpectraQuery {
  int resolution = 0;
  std::int64_t tile = 0, x = 0, y = 0;
};
Result<SpectraQuery> parse_spectra(std::string_view argument);
// Blocking. The first band's value at the point in each image, scaled to 0..1 by the sample
// type (floats as stored).
Result<std::string> spectra_xml(std::span<const SpectralImage> series, const SpectraQuery& query);

}  // namespace tessera::iip
