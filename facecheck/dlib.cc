// dlib behind the C ABI of dlib.h. No exception leaves this file.
#include "dlib.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace {
void set_err(fg_err *err, const char *msg) {
  if (err) {
    std::strncpy(err->msg, msg, sizeof err->msg - 1);
    err->msg[sizeof err->msg - 1] = 0;
  }
}
}  // namespace

// A non-owning view of caller memory as a dlib grey image. Its generic-image
// functions live beside it so that dlib finds them by argument lookup.
namespace facegate {
struct grey_view {
  const uint8_t *pix;
  long w, h, stride;
};
inline long num_rows(const grey_view &v) { return v.h; }
inline long num_columns(const grey_view &v) { return v.w; }
inline const void *image_data(const grey_view &v) { return v.pix; }
inline long width_step(const grey_view &v) { return v.stride; }
}  // namespace facegate
using facegate::grey_view;

namespace dlib {
template <> struct image_traits<grey_view> { typedef unsigned char pixel_type; };
}  // namespace dlib

struct fg_predictor { dlib::shape_predictor sp; };
struct fg_detector { dlib::frontal_face_detector det; };

static bool bad_image(const uint8_t *grey, int w, int h, int stride, fg_err *err) {
  if (!grey || w < 2 || h < 2 || stride < w) {
    set_err(err, "invalid image: need at least 2x2 pixels and stride >= width");
    return true;
  }
  return false;
}

extern "C" fg_predictor *fg_predictor_load(const char *path, int *points, fg_err *err) {
  try {
    auto *p = new fg_predictor;
    try {
      dlib::deserialize(path) >> p->sp;
    } catch (...) {
      delete p;
      throw;
    }
    if (points) *points = (int)p->sp.num_parts();
    return p;
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error loading the landmark model");
  }
  return nullptr;
}

extern "C" void fg_predictor_free(fg_predictor *p) { delete p; }

extern "C" fg_detector *fg_detector_new(fg_err *err) {
  try {
    // Building the detector decodes its embedded model, which takes
    // hundreds of milliseconds; do it once and copy the weights after.
    static const dlib::frontal_face_detector proto = dlib::get_frontal_face_detector();
    return new fg_detector{proto};
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error creating the detector");
  }
  return nullptr;
}

extern "C" void fg_detector_free(fg_detector *d) {
  delete d;
#ifdef __GLIBC__
  // A detector holds about 650 kB. Freed from another thread (a Go cleanup),
  // glibc keeps it in that thread's arena; give such pages back to the OS.
  malloc_trim(0);
#endif
}

extern "C" int fg_detect(fg_detector *d, const uint8_t *grey, int w, int h, int stride,
                         int upsample, fg_rect *out, int cap, fg_err *err) {
  if (!d || bad_image(grey, w, h, stride, err)) {
    if (!d) set_err(err, "nil detector");
    return -1;
  }
  try {
    grey_view v{grey, w, h, stride};
    std::vector<dlib::rect_detection> dets;
    if (upsample > 0) {
      dlib::array2d<unsigned char> up;
      dlib::assign_image(up, v);
      for (int i = 0; i < upsample; i++) dlib::pyramid_up(up);
      d->det(up, dets, 0.0);
      double s = std::pow(2.0, upsample);
      for (auto &r : dets)
        r.rect = dlib::rectangle((long)(r.rect.left() / s), (long)(r.rect.top() / s),
                                 (long)(r.rect.right() / s), (long)(r.rect.bottom() / s));
    } else {
      d->det(v, dets, 0.0);
    }
    std::sort(dets.begin(), dets.end(),
              [](const dlib::rect_detection &a, const dlib::rect_detection &b) {
                return a.detection_confidence > b.detection_confidence;
              });
    int n = (int)dets.size();
    for (int i = 0; i < n && i < cap; i++) {
      const auto &r = dets[i].rect;
      out[i] = fg_rect{(int32_t)r.left(), (int32_t)r.top(), (int32_t)r.width(),
                       (int32_t)r.height(), dets[i].detection_confidence};
    }
    return n;
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error in detection");
  }
  return -1;
}

extern "C" int fg_landmarks(const fg_predictor *p, const uint8_t *grey, int w, int h,
                            int stride, fg_rect box, double *xy, int cap, fg_err *err) {
  if (!p || bad_image(grey, w, h, stride, err)) {
    if (!p) set_err(err, "nil predictor");
    return -1;
  }
  try {
    grey_view v{grey, w, h, stride};
    dlib::rectangle r(box.x, box.y, box.x + box.w - 1, box.y + box.h - 1);
    dlib::full_object_detection shape = p->sp(v, r);
    int n = (int)shape.num_parts();
    for (int i = 0; i < n && i < cap; i++) {
      xy[2 * i] = shape.part(i).x();
      xy[2 * i + 1] = shape.part(i).y();
    }
    return n;
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error in landmarks");
  }
  return -1;
}
