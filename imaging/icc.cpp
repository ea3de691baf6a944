#include "imaging/icc.hpp"

#include <lcms2.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tessera {
namespace {

struct ProfileClose {
  void operator()(void* p) const noexcept { cmsCloseProfile(p); }
};
struct TransformDelete {
  void operator()(void* t) const noexcept { cmsDeleteTransform(t); }
};
using Profile = std::unique_ptr<void, ProfileClose>;
using Transform = std::shared_ptr<void>;

void log_lcms_error(cmsContext, cmsUInt32Number code, const char* text) {
  spdlog::debug("lcms2 error {}: {}", code, text);
}

Profile srgb_target(bool grey) {
  if (!grey) return Profile(cmsCreate_sRGBProfile());
  // sRGB's tone curve: IEC 61966-2-1 parameters for lcms2's parametric curve type 4.
  const cmsFloat64Number params[5] = {2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045};
  std::unique_ptr<cmsToneCurve, decltype(&cmsFreeToneCurve)> curve(
      cmsBuildParametricToneCurve(nullptr, 4, params), &cmsFreeToneCurve);
  if (!curve) return nullptr;
  return Profile(cmsCreateGrayProfile(cmsD50_xyY(), curve.get()));
}

// Built transforms by profile bytes. Profiles are few (usually one per collection) and small
// next to the images, so this is not bounded beyond a sanity cap.
class TransformCache {
 public:
  Transform get(std::string_view profile, bool grey) {
    std::string key(profile);
    key += grey ? 'g' : 'c';
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    if (cache_.size() >= 64) cache_.clear();
    Transform t = build(profile, grey);
    cache_.emplace(std::move(key), t);
    return t;
  }

 private:
  static Transform build(std::string_view bytes, bool grey) {
    static const bool handler_set = [] {
      cmsSetLogErrorHandler(&log_lcms_error);
      return true;
    }();
    (void)handler_set;
    Profile source(cmsOpenProfileFromMem(bytes.data(), static_cast<cmsUInt32Number>(bytes.size())));
    Profile target = srgb_target(grey);
    if (!source || !target) return nullptr;
    const cmsUInt32Number format = grey ? TYPE_GRAY_FLT : TYPE_RGB_FLT;
    // NOCACHE: the one-pixel cache is what would make a shared transform unsafe across threads.
    void* t = cmsCreateTransform(source.get(), format, target.get(), format, INTENT_PERCEPTUAL,
                                 cmsFLAGS_NOCACHE);
    if (!t) return nullptr;
    return Transform(t, TransformDelete{});
  }

  std::mutex mutex_;
  std::map<std::string, Transform> cache_;
};

TransformCache& transforms() {
  static TransformCache cache;
  return cache;
}

}  // namespace

IccSpace icc_space(std::string_view profile) noexcept {
  if (profile.size() < 128) return IccSpace::other;
  const std::string_view space = profile.substr(16, 4);
  if (space == "GRAY") return IccSpace::grey;
  if (space == "RGB ") return IccSpace::rgb;
  return IccSpace::other;
}

std::optional<Error> convert_to_srgb(Raster& working, std::string_view profile) {
  const IccSpace space = icc_space(profile);
  const bool grey = working.bands == 1;
  if (working.type != SampleType::f32 ||
      (grey ? space != IccSpace::grey : space != IccSpace::rgb) ||
      (working.bands != 1 && working.bands != 3))
    return Error{Errc::internal, "ICC profile does not match the pixels"};
  Transform t = transforms().get(profile, grey);
  if (!t) return Error{Errc::not_implemented, "the image's ICC profile cannot be used"};
  const auto pixels = static_cast<cmsUInt32Number>(working.width * working.height);
  cmsDoTransform(t.get(), working.data.data(), working.data.data(), pixels);
  // Float transforms do not clamp; working rasters stay in [0,1].
  auto* v = reinterpret_cast<float*>(working.data.data());
  const std::size_t n = static_cast<std::size_t>(pixels) * static_cast<std::size_t>(working.bands);
  for (std::size_t i = 0; i < n; ++i) v[i] = v[i] < 0 ? 0 : (v[i] > 1 ? 1 : v[i]);
  return std::nullopt;
}

}  // namespace tessera
