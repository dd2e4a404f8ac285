#include "kernel.h"
#include <string.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

/* Eight floats at once where the compiler can (GCC vector extension;
 * plain scalar code elsewhere). */
typedef float v8 __attribute__((vector_size(32)));

static inline float dot(const float *a, const float *w, int n) {
  int k = 0;
  v8 acc = {0};
  for (; k + 8 <= n; k += 8) {
    v8 x, y;
    memcpy(&x, a + k, sizeof x);
    memcpy(&y, w + k, sizeof y);
    acc += x * y;
  }
  float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; k < n; k++) s += a[k] * w[k];
  return s;
}

/* One row of the horizontal pass. With AVX2 (xtaps a multiple of 8),
 * eight outputs at once: each output's taps in vectors, then the eight
 * sums reduced together. */
static void hpass(const float *row, float *t, int dw, const int32_t *xs, const float *xw, int taps) {
  int x = 0;
#ifdef __AVX2__
  if (taps % 8 == 0) {
    for (; x + 8 <= dw; x += 8) {
      __m256 a[8];
      for (int j = 0; j < 8; j++) {
        const float *r = row + xs[x + j], *w = xw + (long)(x + j) * taps;
        __m256 s = _mm256_mul_ps(_mm256_loadu_ps(r), _mm256_loadu_ps(w));
        for (int k = 8; k < taps; k += 8)
          s = _mm256_add_ps(s, _mm256_mul_ps(_mm256_loadu_ps(r + k), _mm256_loadu_ps(w + k)));
        a[j] = s;
      }
      __m256 q0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
      __m256 q1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
      __m256 lo = _mm256_permute2f128_ps(q0, q1, 0x20), hi = _mm256_permute2f128_ps(q0, q1, 0x31);
      _mm256_storeu_ps(t + x, _mm256_add_ps(lo, hi));
    }
  }
#endif
  for (; x < dw; x++) t[x] = dot(row + xs[x], xw + (long)x * taps, taps);
}

void fgr_scale_plane(const uint8_t *src, int sw, int sh, int ss,
                     uint8_t *dst, int dw, int dh, int ds,
                     const int32_t *xstart, const float *xw, int xtaps,
                     const int32_t *ystart, const float *yw, int ytaps,
                     float *row, float *ring, int rows) {
  for (int k = 0; k < xtaps; k++) row[sw + k] = 0;
  /* Row r of the horizontal pass lives in ring slot r % rows; rows past
   * the input's last are zeros. next is the first row not computed yet. */
  int next = 0;
  for (int y = 0; y < dh; y++) {
    int need = ystart[y] + ytaps;
    if (rows < sh + ytaps && next < ystart[y]) next = ystart[y]; /* never read */
    for (; next < need; next++) {
      float *t = ring + (long)(next % rows) * dw;
      if (next < sh) {
        const uint8_t *s = src + (long)next * ss;
        for (int x = 0; x < sw; x++) row[x] = s[x];
        hpass(row, t, dw, xstart, xw, xtaps);
      } else {
        memset(t, 0, sizeof(float) * (size_t)dw);
      }
    }
    const float *w = yw + (long)y * ytaps;
    uint8_t *d = dst + (long)y * ds;
    for (int x0 = 0; x0 < dw; x0 += 256) {
      float acc[256];
      int n = dw - x0 < 256 ? dw - x0 : 256;
      for (int x = 0; x < n; x++) acc[x] = 0;
      for (int k = 0; k < ytaps; k++) {
        const float *t = ring + (long)((ystart[y] + k) % rows) * dw + x0;
        float wk = w[k];
        int x = 0;
        /* Spelled out in vectors: the compiler does not see that t
         * cannot alias acc. Each lane's product and sum are the scalar
         * loop's. */
        for (; x + 8 <= n; x += 8) {
          v8 a, b;
          memcpy(&a, acc + x, sizeof a);
          memcpy(&b, t + x, sizeof b);
          a += b * wk;
          memcpy(acc + x, &a, sizeof a);
        }
        for (; x < n; x++) acc[x] += t[x] * wk;
      }
      for (int x = 0; x < n; x++) {
        float v = acc[x] + 0.5f;
        d[x0 + x] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)v;
      }
    }
  }
}
