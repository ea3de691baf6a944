#pragma once
// The IIP protocol of iipsrv (Internet Imaging Protocol with IIPImage's extensions), served on
// /fcgi-bin/iipsrv.fcgi?... and /iip?...: FIF, OBJ, the tile commands, CVT exports, the
// processing commands and the data queries (PFL, SPECTRA). Commands are case-insensitive and
// run in order on one view. Responses (OBJ's "key:value" lines, the "Error/<n>:..." format,
// MIME types) are iipsrv's, so existing clients parse them unchanged.
//
// The router sends the query strings of the other protocols' iipsrv forms (Zoomify=,
// DeepZoom=, IIIF=) to those handlers; this one sees only IIP commands.

#include <memory>
#include <string>
#include <string_view>

#include "protocols/http_types.hpp"
#include "protocols/iip/command.hpp"
#include "protocols/iip/data_queries.hpp"
#include "protocols/image_service.hpp"

namespace tessera::iip {

struct Options {
  std::string filename_pattern = "_pyr_";  // image sequences: {stem}{pattern}{h}_{v}.tif
  std::int64_t max_cvt = 5000;             // largest CVT output side; 0: unlimited
  bool allow_upscaling = true;             // CVT sizes above the region
};

class Handler {
 public:
  Handler(const ImageService& service, Options options);
  ~Handler();

  // `query` is the request's query string (after '?'), still percent-encoded.
  Reply handle(const Request& request, std::string_view query) const;

 private:
  struct State;
  struct Session;
  // Runs the session's commands from its next one; returns when one needs the image opened
  // (continuing there), at the first image output, or at the end.
  Reply run(Session s) const;
  Reply open_then_run(Session s) const;
  // FIF named no file: looks for an image sequence of that stem and selects its default view.
  std::optional<IipError> open_sequence(Session& s) const;
  Result<std::vector<SpectralImage>> spectral_series(const Session& s, std::string& versions) const;
  Reply tile(const Session& s, const OutputFormat& format, int resolution,
             std::int64_t index) const;
  Reply convert(const Session& s, const OutputFormat& format) const;
  Reply data_query(const Session& s, const Command& command) const;
  const ImageService& service_;
  Options options_;
  std::unique_ptr<State> state_;  // what the handler keeps between requests (sequences found)
};

}  // namespace tessera::iip
