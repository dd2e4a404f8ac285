// od_levels measures a HOG search limited to some pyramid levels two ways
// (issue 29, item 4): setting the level limit on a kept frontal_face_detector's
// scanner through its private member (facecheck/dlib_raw.h's od_scanner),
// as facecheck/dlib.cc does ("private"), or building the search per call through dlib's public API
// ("public": a scanner configured as the detector's, limited, handed with
// the overlap test and the weights to object_detector's constructor). It
// searches a grey image of SIZE x SIZE pixels (mid-grey: no face) N times
// and prints the median time per search and the peak resident set. Build
// and run:
//
//   g++ -std=c++14 -O2 -Wno-deprecated-declarations benchmarks/dlibapi/od_levels.cc -o /tmp/od_levels -ldlib -lblas -llapack -lpthread
//   /tmp/od_levels private|public SIZE N
#include "../../facecheck/dlib_raw.h"

#include <dlib/image_processing/frontal_face_detector.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <sys/resource.h>

using namespace fg_raw;

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: od_levels private|public SIZE N\n");
    return 2;
  }
  std::string how = argv[1];
  long size = std::atol(argv[2]);
  int n = std::atoi(argv[3]);
  dlib::frontal_face_detector proto = dlib::get_frontal_face_detector();
  std::vector<dlib::frontal_face_detector::feature_vector_type> w;
  for (unsigned long i = 0; i < proto.num_detectors(); i++) w.push_back(proto.get_w(i));
  dlib::array2d<unsigned char> img(size, size);
  dlib::assign_all_pixels(img, 128);
  dlib::frontal_face_detector kept = proto;
  std::vector<double> ms;
  for (int i = 0; i < n; i++) {
    int levels = 2 + i % 3;  // the limit changes between calls, as in the pipeline
    auto t0 = std::chrono::steady_clock::now();
    std::vector<dlib::rect_detection> dets;
    if (how == "private") {
      (kept.*get(od_scanner())).set_max_pyramid_levels(levels);
      kept(img, dets, 0.0);
    } else {
      dlib::frontal_face_detector::image_scanner_type scanner;
      scanner.copy_configuration(proto.get_scanner());
      scanner.set_max_pyramid_levels(levels);
      dlib::frontal_face_detector det(scanner, proto.get_overlap_tester(), w);
      det(img, dets, 0.0);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%s %ldx%ld: median %.2f ms per search, peak RSS %ld MB\n", how.c_str(), size, size, ms[ms.size() / 2], ru.ru_maxrss / 1024);
  return 0;
}
