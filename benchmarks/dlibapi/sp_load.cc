// sp_load measures loading the 68-point landmark model from facegate's raw
// copy two ways (issue 29, item 4): into shape_predictor's private members
// with facecheck/dlib_raw.h's reader, as facecheck/dlib.cc does ("private"), or through dlib's public
// constructor ("public"; "public-check" also checks it gives the same
// anchors), and dlib's own format ("dat"). Build and run:
//
//   g++ -std=c++14 -O2 -Wno-deprecated-declarations benchmarks/dlibapi/sp_load.cc -o /tmp/sp_load -ldlib -lblas -llapack -lpthread
//   /tmp/sp_load private|public|public-check RAW   (the raw copy in $FACEGATE_CACHE, ~/.cache/facegate/*.raw)
//   /tmp/sp_load dat /usr/share/dlib/shape_predictor_68_face_landmarks.dat
#include "../../facecheck/dlib_raw.h"

#include <dlib/image_processing/shape_predictor.h>
#include <chrono>
#include <memory>
#include <string>
#include <sys/resource.h>

using namespace fg_raw;

// read_parts reads the raw file at path as facecheck/dlib.cc's
// fg_predictor_load_raw does.
static void read_parts(const char *path, shape_t &init, forests_t &forests, anchors_t &anchors, deltas_t &deltas) {
  std::vector<char> iobuf(1 << 20);
  FILE *f = std::fopen(path, "rb");
  if (!f) throw dlib::serialization_error(std::string("cannot open ") + path);
  std::unique_ptr<FILE, int (*)(FILE *)> closer(f, std::fclose);
  std::setvbuf(f, iobuf.data(), _IOFBF, iobuf.size());
  std::fseek(f, 0, SEEK_END);
  long size = std::ftell(f);
  std::rewind(f);
  reader r{f, (uint64_t)size};
  read_raw(r, init, forests, anchors, deltas);
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
