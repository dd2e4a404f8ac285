// dlib behind the C ABI of dlib.h. No exception leaves this file.
#include "dlib.h"
#include "dlib_raw.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <unistd.h>
#include <vector>
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
struct fg_detector {
  dlib::frontal_face_detector det;
  unsigned long all_levels;  // the scanner's own level limit (no limit)
};

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

// The scanner inside an object_detector (fg_raw::od_scanner), whose level
// limit fg_detect sets per call. get_scanner() is const, and the public
// constructor object_detector(scanner, overlap, weights) makes a detector
// with a scanner of its own: one per level limit would each keep a
// feature pyramid of their own (megabytes per worker), one per call
// redoes the filters' separable decomposition every call. Measured
// (benchmarks/dlibapi/od_levels.cc, one core, medians of three runs of 40
// searches): about 2.5 ms more per search, 0.92 -> 3.41 ms on 100x100
// pixels, 4.48 -> 7.21 on 270x270, 18.3 -> 21.4 on 540x540 (the size the
// pipeline searches most), 68 -> 73 on 1080x1080; the same peak memory.
// So the private name stays, pinned to dlib's release (dlib_raw.h) and
// checked by TestDlibPrivateLayout.
using namespace fg_raw;

// The detector every fg_detector copies. dlib builds it by decompressing
// its embedded model, which takes hundreds of milliseconds; a plain dlib
// serialisation of the result, when a cache path is given, loads in a few.
static std::once_flag proto_once;
static dlib::frontal_face_detector *proto;

static void build_proto(const char *cache) {
  auto *d = new dlib::frontal_face_detector;
  if (cache) {
    try {
      dlib::deserialize(cache) >> *d;
      proto = d;
      return;
    } catch (...) {
      // no usable copy: build it and write one
    }
  }
  *d = dlib::get_frontal_face_detector();
  proto = d;
  if (cache) {
    try {
      std::string tmp = std::string(cache) + "." + std::to_string(getpid()) + ".tmp";
      dlib::serialize(tmp) << *d;
      std::rename(tmp.c_str(), cache);
    } catch (...) {
      // a cache is an optimisation only
    }
  }
}

extern "C" int fg_detector_prepare(const char *cache_path, fg_err *err) {
  try {
    std::call_once(proto_once, build_proto, cache_path);
    return 0;
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error preparing the detector");
  }
  return -1;
}

extern "C" fg_detector *fg_detector_new(fg_err *err) {
  try {
    std::call_once(proto_once, build_proto, nullptr);
    return new fg_detector{*proto, proto->get_scanner().get_max_pyramid_levels()};
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
                         int upsample, int skip, int levels, fg_rect *out, int cap,
                         fg_err *err) {
  if (!d || bad_image(grey, w, h, stride, err)) {
    if (!d) set_err(err, "nil detector");
    return -1;
  }
  try {
    grey_view v{grey, w, h, stride};
    auto &det = d->det;
    (det.*get(od_scanner())).set_max_pyramid_levels(levels > 0 ? (unsigned long)levels : d->all_levels);
    std::vector<dlib::rect_detection> dets;
    if (upsample > 0) {
      dlib::array2d<unsigned char> up;
      dlib::assign_image(up, v);
      for (int i = 0; i < upsample; i++) dlib::pyramid_up(up);
      det(up, dets, 0.0);
      double s = std::pow(2.0, upsample);
      for (auto &r : dets)
        r.rect = dlib::rectangle((long)(r.rect.left() / s), (long)(r.rect.top() / s),
                                 (long)(r.rect.right() / s), (long)(r.rect.bottom() / s));
    } else if (skip > 0) {
      // The pyramid's first levels, made as dlib's scanner makes them (each
      // from the one before), so the levels searched are the same pixels.
      dlib::pyramid_down<6> pyr;
      dlib::array2d<unsigned char> a, b;
      pyr(v, a);
      for (int i = 1; i < skip; i++) {
        pyr(a, b);
        dlib::swap(a, b);
      }
      if (a.nc() >= 2 && a.nr() >= 2) det(a, dets, 0.0);
      for (auto &r : dets) r.rect = pyr.rect_up(r.rect, skip);
    } else {
      det(v, dets, 0.0);
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

// fg_shape is dlib's shape_predictor::operator() over a flat model, built
// from dlib's public geometry (find_similarity_transform,
// find_affine_transform, point_transform_affine) with the same types in the
// same order, so that each landmark is the same integer dlib's own object
// gives (facecheck's TestFlatShapeMatchesDlib checks it on every corpus
// face). Per cascade: the similarity transform from the mean shape to the
// current one places each feature pixel by its anchor part and offset, in
// the box's frame; each tree compares pairs of those pixels down to a leaf,
// whose shape increment is added.
namespace {
typedef dlib::vector<float, 2> fvec;

inline fvec part_of(const std::vector<float> &shape, unsigned long i) { return fvec(shape[2 * i], shape[2 * i + 1]); }

dlib::point_transform_affine box_to_image(const dlib::rectangle &r) {
  std::vector<fvec> unit{fvec(0, 0), fvec(1, 0), fvec(1, 1)};
  std::vector<fvec> corners{r.tl_corner(), r.tr_corner(), r.br_corner()};
  return dlib::find_affine_transform(unit, corners);
}

dlib::matrix<float, 2, 2> mean_to_current(const fg_shape_model *m, const std::vector<float> &cur) {
  std::vector<fvec> from, to;
  from.reserve(m->parts);
  to.reserve(m->parts);
  for (long i = 0; i < m->parts; i++) {
    from.push_back(fvec(m->initial[2 * i], m->initial[2 * i + 1]));
    to.push_back(part_of(cur, i));
  }
  if (m->parts == 1) return dlib::matrix_cast<float>(dlib::point_transform_affine().get_m());
  return dlib::matrix_cast<float>(dlib::find_similarity_transform(from, to).get_m());
}
}  // namespace

extern "C" int fg_shape(const fg_shape_model *m, const uint8_t *grey, int w, int h, int stride,
                        fg_rect box, double *xy, int cap, fg_err *err) {
  if (!m || bad_image(grey, w, h, stride, err)) {
    if (!m) set_err(err, "nil landmark model");
    return -1;
  }
  try {
    const dlib::rectangle r(box.x, box.y, box.x + box.w - 1, box.y + box.h - 1);
    const dlib::rectangle area(0, 0, w - 1, h - 1);
    const dlib::point_transform_affine to_image = box_to_image(r);
    const long n = 2 * (long)m->parts, leaves = (long)m->splits + 1;
    std::vector<float> cur(m->initial, m->initial + n);
    std::vector<float> pix(m->pixels);
    for (long c = 0; c < m->cascades; c++) {
      const dlib::matrix<float, 2, 2> tform = mean_to_current(m, cur);
      const uint32_t *anchor = m->anchors + c * m->pixels;
      const float *delta = m->deltas + 2 * c * m->pixels;
      for (long i = 0; i < m->pixels; i++) {
        const fvec d(delta[2 * i], delta[2 * i + 1]);
        const dlib::point p = to_image(tform * d + part_of(cur, anchor[i]));
        pix[i] = area.contains(p) ? (float)grey[(long)p.y() * stride + p.x()] : 0;
      }
      for (long t = 0; t < m->trees; t++) {
        const fg_split *s = m->split + (c * m->trees + t) * m->splits;
        unsigned long i = 0;
        while (i < (unsigned long)m->splits) i = pix[s[i].a] - pix[s[i].b] > s[i].t ? 2 * i + 1 : 2 * i + 2;
        const float *leaf = m->leaves + ((c * m->trees + t) * leaves + (long)(i - m->splits)) * n;
        for (long k = 0; k < n; k++) cur[k] += leaf[k];
      }
    }
    for (long i = 0; i < m->parts && i < cap; i++) {
      const dlib::point p = to_image(part_of(cur, i));
      xy[2 * i] = p.x();
      xy[2 * i + 1] = p.y();
    }
    return m->parts;
  } catch (const std::exception &e) {
    set_err(err, e.what());
  } catch (...) {
    set_err(err, "unknown error in landmarks");
  }
  return -1;
}
