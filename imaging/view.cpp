#include "imaging/view.hpp"

#include <cstdio>

namespace tessera {
namespace {

// Shortest text that reads back as the same double, so distinct views get distinct keys.
void put(std::string& out, double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  out += buffer;
}

void put(std::string& out, std::int64_t v) {
  out += std::to_string(v);
}

}  // namespace

bool View::processes() const {
  return !ranges.empty() || convert_icc || shade.enabled || !twist.empty() ||
         gamma.mode != GammaMode::none || contrast.mode != ContrastMode::none || invert ||
         colormap != Colormap::none || !kernel.empty();
}

std::string View::canonical() const {
  std::string k;
  k.reserve(64);
  put(k, region.x), k += ',', put(k, region.y), k += ',', put(k, region.w), k += ',';
  put(k, region.h), k += '/', put(k, width), k += ',', put(k, height);
  k += "/i" + std::to_string(static_cast<int>(interpolation));
  // Only what differs from the defaults is spelled out, keeping plain tile keys short.
  for (const BandRange& r : ranges) {
    k += "/r" + std::to_string(r.band) + ':';
    put(k, r.min), k += ',', put(k, r.max);
  }
  if (convert_icc) k += "/icc";
  if (shade.enabled) k += "/shd", put(k, shade.azimuth), k += ',', put(k, shade.elevation);
  if (!twist.empty()) {
    k += "/ctw" + std::to_string(twist.rows) + 'x' + std::to_string(twist.cols);
    for (double c : twist.coefficients) k += ',', put(k, c);
  }
  if (gamma.mode != GammaMode::none)
    k += "/gam" + std::to_string(static_cast<int>(gamma.mode)) + ':', put(k, gamma.exponent);
  if (contrast.mode != ContrastMode::none)
    k += "/cnt" + std::to_string(static_cast<int>(contrast.mode)) + ':', put(k, contrast.factor);
  if (invert) k += "/inv";
  if (colormap != Colormap::none) k += "/cmp" + std::to_string(static_cast<int>(colormap));
  if (!kernel.empty()) {
    k += "/cnv" + std::to_string(kernel.size);
    for (double w : kernel.weights) k += ',', put(k, w);
  }
  if (quality != Quality::colour) k += "/q" + std::to_string(static_cast<int>(quality));
  if (bits != 8) k += "/b" + std::to_string(bits);
  if (rotation.mirror) k += "/m";
  if (rotation.degrees != 0) k += "/rot", put(k, rotation.degrees);
  if (background != Background::white) k += "/bg" + std::to_string(static_cast<int>(background));
  return k;
}

}  // namespace tessera
