/* The C ABI between facegate and dlib: two opaque handles and a few calls.
 * Every C++ exception is caught inside and returned as a message in err. */
#ifndef FACEGATE_DLIB_H
#define FACEGATE_DLIB_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct { char msg[256]; } fg_err;
typedef struct { int32_t x, y, w, h; double score; } fg_rect;

/* dlib's own landmark predictor, deserialised by dlib: the reference the
 * flat model below is checked against (facecheck's tests). */
typedef struct fg_predictor fg_predictor;
fg_predictor *fg_predictor_load(const char *path, int *points, fg_err *err);
void fg_predictor_free(fg_predictor *p);

/* A landmark model in facegate's flat form (shapemodel.go), its arrays
 * read-only and checked by the caller: every anchor < parts, every split's
 * pixels < pixels, splits + 1 a power of two. Safe to share. */
typedef struct { uint32_t a, b; float t; } fg_split;
typedef struct {
  int32_t parts, cascades, trees, splits, pixels;
  const float *initial;     /* [2*parts] */
  const uint32_t *anchors;  /* [cascades][pixels] */
  const float *deltas;      /* [cascades][pixels][2] */
  const fg_split *split;    /* [cascades][trees][splits] */
  const float *leaves;      /* [cascades][trees][splits+1][2*parts] */
} fg_shape_model;

/* A HOG face detector: one per goroutine at a time. */
typedef struct fg_detector fg_detector;
fg_detector *fg_detector_new(fg_err *err);
/* Builds the model all detectors copy, from (or into) cache_path if not
 * NULL. Optional: the first fg_detector_new does it without a cache. */
int fg_detector_prepare(const char *cache_path, fg_err *err);
void fg_detector_free(fg_detector *d);

/* Faces in an 8-bit grey image (stride bytes per row), doubled upsample
 * times first. Of dlib's image pyramid (each level 5/6 of the one before)
 * it skips the first skip levels and then searches levels of them (0 =
 * all). Returns the number found (at most cap are written, best first,
 * in the image's coordinates) or -1 with err set. */
int fg_detect(fg_detector *d, const uint8_t *grey, int w, int h, int stride,
              int upsample, int skip, int levels, fg_rect *out, int cap,
              fg_err *err);

/* Landmarks of one face: writes 2*points doubles (x0, y0, x1, ...).
 * Returns the number of points or -1 with err set. fg_landmarks runs
 * dlib's shape_predictor, fg_shape the same computation over a flat model. */
int fg_landmarks(const fg_predictor *p, const uint8_t *grey, int w, int h,
                 int stride, fg_rect box, double *xy, int cap, fg_err *err);
int fg_shape(const fg_shape_model *m, const uint8_t *grey, int w, int h,
             int stride, fg_rect box, double *xy, int cap, fg_err *err);

#ifdef __cplusplus
}
#endif
#endif
