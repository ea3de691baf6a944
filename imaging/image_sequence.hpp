#pragma once
// Image sequences, as iipsrv keeps 3D object views and multispectral series: one pyramid file
// per view, named {stem}{pattern}{h}_{v}.{ext} in one directory (pattern "_pyr_" by default:
// "FZ1_pyr_000_090.tif" is horizontal angle 0, vertical angle 90). Only files inside the image
// root count, under the same confinement as single images.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imaging/error.hpp"
#include "imaging/image_root.hpp"

namespace tessera {

struct ImageSequence {
  std::vector<int> horizontal_angles;  // ascending, distinct
  std::vector<int> vertical_angles;    // ascending, distinct
  // Identifier (relative to the root) of each view's file, by (horizontal, vertical).
  std::map<std::pair<int, int>, std::string> files;

  // nullopt when that view has no file.
  std::optional<std::string> identifier(int horizontal, int vertical) const;
};

class SequenceFinder {
 public:
  SequenceFinder(const ImageRoot& root, std::string pattern);

  // The sequence a stem ("dir/FZ1") names. Errc::not_found when it has no file, or the stem
  // leaves the root; Errc::bad_request for a stem that cannot name one (empty, ends in '/').
  // Directory scans are remembered until the directory changes.
  Result<std::shared_ptr<const ImageSequence>> find(std::string_view stem) const;

 private:
  const ImageRoot& root_;
  std::string pattern_;
  mutable std::mutex mutex_;
  struct Entry;
  mutable std::map<std::string, std::shared_ptr<const Entry>> cache_;
};

}  // namespace tessera
