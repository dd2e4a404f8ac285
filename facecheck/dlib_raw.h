// dlib_raw.h: the private members of dlib that facegate names: the
// landmark model's (shape_predictor) for its raw copy, with the writer and
// reader of the raw file, and the HOG detector's scanner (object_detector)
// for its level limit. Included by dlib.cc, and by benchmarks/dlibapi's
// sp_load.cc and od_levels.cc, which measure these routes against dlib's
// public API. See dlib.cc for why the members are named.
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
              "facecheck/dlib_raw.h names private members of dlib 19.24's shape_predictor and "
              "object_detector's scanner: check them against this dlib release, run the fence tests, then move this pin");

namespace fg_raw {

template <typename Tag, typename Tag::type M> struct member_of {
  friend typename Tag::type get(Tag) { return M; }
};
#define FG_MEMBER(name, T)                                           \
  struct sp_##name {                                                 \
    typedef T dlib::shape_predictor::*type;                          \
    friend type get(sp_##name);                                      \
  };                                                                 \
  template struct member_of<sp_##name, &dlib::shape_predictor::name>;
typedef dlib::matrix<float, 0, 1> shape_t;
typedef std::vector<std::vector<dlib::impl::regression_tree>> forests_t;
typedef std::vector<std::vector<unsigned long>> anchors_t;
typedef std::vector<std::vector<dlib::vector<float, 2>>> deltas_t;
FG_MEMBER(initial_shape, shape_t)
FG_MEMBER(forests, forests_t)
FG_MEMBER(anchor_idx, anchors_t)
FG_MEMBER(deltas, deltas_t)
#undef FG_MEMBER

// The scanner inside the HOG detector, whose pyramid level limit dlib.cc
// sets per search (the public route measured slower: see dlib.cc).
struct od_scanner {
  typedef dlib::frontal_face_detector::image_scanner_type dlib::frontal_face_detector::*type;
  friend type get(od_scanner);
};
template struct member_of<od_scanner, &dlib::frontal_face_detector::scanner>;

const char raw_magic[8] = {'F', 'G', 'S', 'P', 'R', 'A', 'W', '1'};

struct writer {
  std::vector<char> buf;
  void u64(uint64_t v) { put(&v, sizeof v); }
  void f32(float v) { put(&v, sizeof v); }
  void put(const void *p, size_t n) { buf.insert(buf.end(), (const char *)p, (const char *)p + n); }
};

// reader streams the raw file through a small buffer, so loading never
// holds a second copy of the model in memory.
struct reader {
  FILE *f;
  uint64_t left;  // bytes of the file not yet taken
  uint64_t u64() { uint64_t v; take(&v, sizeof v); return v; }
  float f32() { float v; take(&v, sizeof v); return v; }
  uint64_t count(size_t each) {  // a length that the rest of the file can hold
    uint64_t n = u64();
    if (each && n > left / each) throw dlib::serialization_error("raw model: bad length");
    return n;
  }
  void take(void *v, size_t n) {
    if (left < n || std::fread(v, 1, n, f) != n) throw dlib::serialization_error("raw model: truncated");
    left -= n;
  }
};


// read_raw reads a raw model from r into the predictor's parts, checking
// the magic, every length against what the file can hold, and that the
// parts fit together (anchors, splits and leaves in range).
inline void read_raw(reader &r, shape_t &init, forests_t &forests, anchors_t &anchors, deltas_t &deltas) {
  char magic[sizeof raw_magic];
  r.take(magic, sizeof magic);
  if (std::memcmp(magic, raw_magic, sizeof magic) != 0) throw dlib::serialization_error("raw model: bad magic");
  init.set_size(r.count(4));
  for (long i = 0; i < init.size(); i++) init(i) = r.f32();
  forests.resize(r.count(8));
  for (auto &forest : forests) {
    forest.resize(r.count(16));
    for (auto &tree : forest) {
      tree.splits.resize(r.count(20));
      for (auto &s : tree.splits) {
        s.idx1 = r.u64();
        s.idx2 = r.u64();
        s.thresh = r.f32();
      }
      tree.leaf_values.resize(r.count(8));
      for (auto &leaf : tree.leaf_values) {
        leaf.set_size(r.count(4));
        if (leaf.size() > 0) r.take(&leaf(0), sizeof(float) * leaf.size());
      }
    }
  }
  anchors.resize(r.count(8));
  for (auto &a : anchors) {
    a.resize(r.count(8));
    for (auto &v : a) v = r.u64();
  }
  deltas.resize(r.count(8));
  for (auto &d : deltas) {
    d.resize(r.count(8));
    for (auto &v : d) {
      v.x() = r.f32();
      v.y() = r.f32();
    }
  }
  if (r.left != 0) throw dlib::serialization_error("raw model: trailing bytes");
  if (init.size() == 0 || init.size() % 2 || forests.size() != anchors.size() || anchors.size() != deltas.size())
    throw dlib::serialization_error("raw model: inconsistent shapes");
  for (size_t i = 0; i < anchors.size(); i++) {
    if (anchors[i].size() != deltas[i].size()) throw dlib::serialization_error("raw model: inconsistent shapes");
    for (unsigned long a : anchors[i])
      if (a >= (unsigned long)init.size() / 2) throw dlib::serialization_error("raw model: anchor out of range");
    for (const auto &tree : forests[i]) {
      if (tree.leaf_values.size() != tree.splits.size() + 1)
        throw dlib::serialization_error("raw model: tree shape");
      for (const auto &s : tree.splits)
        if (s.idx1 >= anchors[i].size() || s.idx2 >= anchors[i].size())
          throw dlib::serialization_error("raw model: split out of range");
      for (const auto &leaf : tree.leaf_values)
        if (leaf.size() != init.size()) throw dlib::serialization_error("raw model: leaf size");
    }
  }
}

}  // namespace fg_raw

#endif
