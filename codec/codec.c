// libjpeg-turbo and libheif behind codec.h.
#include "codec.h"

#include <libheif/heif.h>
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

static void set_err(fgc_err *err, const char *msg, int warning) {
  if (!err) return;
  snprintf(err->msg, sizeof err->msg, "%s", msg ? msg : "unknown error");
  err->warning = warning;
}

static void tj_err(fgc_err *err, tjhandle h) {
  set_err(err, tjGetErrorStr2(h), h && tjGetErrorCode(h) == TJERR_WARNING);
}

int fgc_jpeg_header(const uint8_t *buf, size_t n, int *w, int *h, int *samp, int *cs, fgc_err *err) {
  tjhandle t = tjInitDecompress();
  if (!t) {
    set_err(err, tjGetErrorStr2(NULL), 0);
    return -1;
  }
  int rc = tjDecompressHeader3(t, buf, (unsigned long)n, w, h, samp, cs);
  if (rc < 0) tj_err(err, t);
  tjDestroy(t);
  return rc;
}

int fgc_jpeg_decode_planes(const uint8_t *buf, size_t n, int w, int h, uint8_t *y, uint8_t *cb,
                           uint8_t *cr, int ystride, int cstride, fgc_err *err) {
  tjhandle t = tjInitDecompress();
  if (!t) {
    set_err(err, tjGetErrorStr2(NULL), 0);
    return -1;
  }
  unsigned char *planes[3] = {y, cb, cr};
  int strides[3] = {ystride, cstride, cstride};
  // LIMITSCANS refuses progressive files with more than 500 scans (a
  // known way to make a small file cost minutes).
  int rc = tjDecompressToYUVPlanes(t, buf, (unsigned long)n, planes, w, strides, h, TJFLAG_LIMITSCANS);
  if (rc < 0) tj_err(err, t);
  tjDestroy(t);
  return rc;
}

// encoded ends a compression: the output, or NULL with err set.
static uint8_t *encoded(tjhandle t, int rc, unsigned char *out, unsigned long len, size_t *size, fgc_err *err) {
  if (rc < 0) {
    tj_err(err, t);
    tjFree(out);
    out = NULL;
    len = 0;
  }
  tjDestroy(t);
  *size = len;
  return out;
}

uint8_t *fgc_jpeg_encode_packed(const uint8_t *pix, int w, int h, int stride, int cmyk, int quality,
                                size_t *size, fgc_err *err) {
  tjhandle t = tjInitCompress();
  if (!t) {
    set_err(err, tjGetErrorStr2(NULL), 0);
    return NULL;
  }
  unsigned char *out = NULL;
  unsigned long len = 0;
  int rc = tjCompress2(t, pix, w, stride, h, cmyk ? TJPF_CMYK : TJPF_RGBX, &out, &len, TJSAMP_420, quality,
                       TJFLAG_ACCURATEDCT);
  return encoded(t, rc, out, len, size, err);
}

uint8_t *fgc_jpeg_encode_planes(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, int w, int h,
                                int ystride, int cstride, int quality, size_t *size, fgc_err *err) {
  tjhandle t = tjInitCompress();
  if (!t) {
    set_err(err, tjGetErrorStr2(NULL), 0);
    return NULL;
  }
  const unsigned char *planes[3] = {y, cb, cr};
  int strides[3] = {ystride, cstride, cstride};
  unsigned char *out = NULL;
  unsigned long len = 0;
  int samp = cb ? TJSAMP_420 : TJSAMP_GRAY;
  int rc = tjCompressFromYUVPlanes(t, planes, w, strides, h, samp, &out, &len, quality, TJFLAG_ACCURATEDCT);
  return encoded(t, rc, out, len, size, err);
}

void fgc_free(void *p) { tjFree(p); }

int fgc_heif_decode(const uint8_t *buf, size_t n, int max_side, int *w, int *h, int *alpha,
                    const uint8_t **pix, int *stride, void **img, fgc_err *err) {
  struct heif_context *ctx = heif_context_alloc();
  struct heif_image_handle *hd = NULL;
  struct heif_image *im = NULL;
  struct heif_error e;
  *img = NULL;
  if (!ctx) {
    set_err(err, "cannot allocate a HEIF context", 0);
    return -1;
  }
  if (max_side > 0) heif_context_set_maximum_image_size_limit(ctx, max_side);
  e = heif_context_read_from_memory_without_copy(ctx, buf, n, NULL);
  if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(ctx, &hd);
  if (e.code == heif_error_Ok) {
    *alpha = heif_image_handle_has_alpha_channel(hd);
    e = heif_decode_image(hd, &im, heif_colorspace_RGB, heif_chroma_interleaved_RGBA, NULL);
  }
  if (e.code != heif_error_Ok) {
    set_err(err, e.message, 0);
    if (hd) heif_image_handle_release(hd);
    heif_context_free(ctx);
    return -1;
  }
  *w = heif_image_get_width(im, heif_channel_interleaved);
  *h = heif_image_get_height(im, heif_channel_interleaved);
  *pix = heif_image_get_plane_readonly(im, heif_channel_interleaved, stride);
  heif_image_handle_release(hd);
  heif_context_free(ctx);  // the decoded image does not refer to the context
  if (!*pix || *w <= 0 || *h <= 0) {
    heif_image_release(im);
    set_err(err, "libheif returned no pixels", 0);
    return -1;
  }
  *img = im;
  return 0;
}

void fgc_heif_release(void *img) { heif_image_release((struct heif_image *)img); }
