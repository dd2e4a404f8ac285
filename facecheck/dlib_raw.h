// dlib_raw.h: the one private member of dlib that facegate names, the HOG
// detector's scanner (object_detector), for its level limit. Included by
// dlib.cc, and by benchmarks/dlibapi/od_levels.cc, which measures this
// route against dlib's public API. See dlib.cc for why it is named.
#ifndef FACEGATE_DLIB_RAW_H
#define FACEGATE_DLIB_RAW_H

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/revision.h>
#include <dlib/serialize.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

static_assert(DLIB_MAJOR_VERSION == 19 && DLIB_MINOR_VERSION == 24,
              "facecheck/dlib_raw.h names a private member of dlib 19.24's "
              "object_detector, its scanner: check them against this dlib release, run the fence tests, then move this pin");

namespace fg_raw {

template <typename Tag, typename Tag::type M> struct member_of {
  friend typename Tag::type get(Tag) { return M; }
};
// The scanner inside the HOG detector, whose pyramid level limit dlib.cc
// sets per search (the public route measured slower: see dlib.cc).
struct od_scanner {
  typedef dlib::frontal_face_detector::image_scanner_type dlib::frontal_face_detector::*type;
  friend type get(od_scanner);
};
template struct member_of<od_scanner, &dlib::frontal_face_detector::scanner>;

}  // namespace fg_raw

#endif
