// sp_load measures loading the 68-point landmark model from facegate's raw
// copy two ways (issue 29, item 4): into shape_predictor's private members
// as facecheck/dlib.cc does ("private"), or through dlib's public
// constructor ("public"; "public-check" also checks it gives the same
// anchors), and dlib's own format ("dat"). Build and run:
//
//   g++ -std=c++14 -O2 -Wno-deprecated-declarations benchmarks/dlibapi/sp_load.cc -o /tmp/sp_load -ldlib -lblas -llapack -lpthread
//   /tmp/sp_load private|public|public-check RAW   (the raw copy in $FACEGATE_CACHE, ~/.cache/facegate/*.raw)
//   /tmp/sp_load dat /usr/share/dlib/shape_predictor_68_face_landmarks.dat
#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_processing/shape_predictor.h>
#include <dlib/serialize.h>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <memory>
#include <sys/resource.h>
namespace {
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

// The scanner inside an object_detector, whose level limit fg_detect sets
// per call. get_scanner() is const, and the public constructor
// object_detector(scanner, overlap, weights) makes a detector with a
// scanner of its own: one per level limit would each keep a feature
// pyramid of their own (megabytes per worker), one per call would redo
// the filters' separable decomposition every call.
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

}  // namespace

static void read_parts(const char *path, shape_t &init, forests_t &forests, anchors_t &anchors, deltas_t &deltas) {
  std::vector<char> iobuf(1 << 20);
  FILE *f = std::fopen(path, "rb");
  std::setvbuf(f, iobuf.data(), _IOFBF, iobuf.size());
  std::fseek(f, 0, SEEK_END); long size = std::ftell(f); std::rewind(f);
  reader r{f, (uint64_t)size};
  char magic[8]; r.take(magic, 8);
  init.set_size(r.count(4));
  for (long i = 0; i < init.size(); i++) init(i) = r.f32();
  forests.resize(r.count(8));
  for (auto &forest : forests) {
    forest.resize(r.count(16));
    for (auto &tree : forest) {
      tree.splits.resize(r.count(20));
      for (auto &s : tree.splits) { s.idx1 = r.u64(); s.idx2 = r.u64(); s.thresh = r.f32(); }
      tree.leaf_values.resize(r.count(8));
      for (auto &leaf : tree.leaf_values) { leaf.set_size(r.count(4)); if (leaf.size() > 0) r.take(&leaf(0), sizeof(float) * leaf.size()); }
    }
  }
  anchors.resize(r.count(8));
  for (auto &a : anchors) { a.resize(r.count(8)); for (auto &v : a) v = r.u64(); }
  deltas.resize(r.count(8));
  for (auto &d : deltas) { d.resize(r.count(8)); for (auto &v : d) { v.x() = r.f32(); v.y() = r.f32(); } }
  std::fclose(f);
}

int main(int argc, char **argv) {
  auto t0 = std::chrono::steady_clock::now();
  dlib::shape_predictor sp;
  std::string mode = argv[1];
  if (mode == "dat") {
    dlib::deserialize(argv[2]) >> sp;
  } else if (mode == "private") {
    read_parts(argv[2], sp.*get(sp_initial_shape()), sp.*get(sp_forests()), sp.*get(sp_anchor_idx()), sp.*get(sp_deltas()));
  } else {
    shape_t init; forests_t forests; anchors_t anchors; deltas_t deltas;
    read_parts(argv[2], init, forests, anchors, deltas);
    // pixel coordinates from the anchors and deltas: the initial shape's
    // anchor point plus its delta
    std::vector<std::vector<dlib::vector<float, 2>>> pix(anchors.size());
    for (size_t i = 0; i < anchors.size(); i++) {
      pix[i].resize(anchors[i].size());
      for (size_t j = 0; j < anchors[i].size(); j++) {
        unsigned long a = anchors[i][j];
        pix[i][j] = dlib::vector<float, 2>(init(2 * a), init(2 * a + 1)) + deltas[i][j];
      }
    }
    sp = dlib::shape_predictor(init, forests, pix);
    if (mode == "public-check") {
    // the same model?
    dlib::shape_predictor ref;
    read_parts(argv[2], ref.*get(sp_initial_shape()), ref.*get(sp_forests()), ref.*get(sp_anchor_idx()), ref.*get(sp_deltas()));
    size_t diff = 0;
    auto &a1 = sp.*get(sp_anchor_idx()); auto &a2 = ref.*get(sp_anchor_idx());
    for (size_t i = 0; i < a1.size(); i++) for (size_t j = 0; j < a1[i].size(); j++) diff += a1[i][j] != a2[i][j];
    std::printf("anchors differing from the model's: %zu\n", diff);
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  struct rusage ru; getrusage(RUSAGE_SELF, &ru);
  std::printf("%s: %.0f ms, peak RSS %ld MB, parts %lu\n", mode.c_str(), std::chrono::duration<double, std::milli>(t1 - t0).count(), ru.ru_maxrss / 1024, sp.num_parts());
}
