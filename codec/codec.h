/* The C ABI between facegate and its codecs: libjpeg-turbo (TurboJPEG API)
 * and libheif. Every call reports failure through err and never aborts. */
#ifndef FACEGATE_CODEC_H
#define FACEGATE_CODEC_H
#include <stddef.h>
#include <stdint.h>

/* warning is 1 when libjpeg only warned (the image decoded, maybe corrupt). */
typedef struct { char msg[200]; int warning; } fgc_err;

/* JPEG header: size, TJSAMP_* subsampling (-1 unknown), TJCS_* colourspace. */
int fgc_jpeg_header(const uint8_t *buf, size_t n, int *w, int *h, int *samp, int *cs, fgc_err *err);

/* Decodes into caller planes at a scaled size w x h (a TurboJPEG scaling
 * factor of the header size). Grey images write y only. 0 or -1. */
int fgc_jpeg_decode_planes(const uint8_t *buf, size_t n, int w, int h, uint8_t *y, uint8_t *cb,
                           uint8_t *cr, int ystride, int cstride, fgc_err *err);

/* Encodes 4-byte RGBX pixels (or CMYK ones, as an Adobe YCCK file, when
 * cmyk is 1) as a baseline 4:2:0 JPEG. Returns a buffer to release with
 * fgc_free, its length in *size; NULL on error. */
uint8_t *fgc_jpeg_encode_packed(const uint8_t *pix, int w, int h, int stride, int cmyk, int quality,
                                size_t *size, fgc_err *err);
/* The same from 4:2:0 YCbCr planes, or one grey plane when cb is NULL. */
uint8_t *fgc_jpeg_encode_planes(const uint8_t *y, const uint8_t *cb, const uint8_t *cr, int w, int h,
                                int ystride, int cstride, int quality, size_t *size, fgc_err *err);
void fgc_free(void *p);

/* Decodes the primary HEIF image, transformations (irot, imir) applied, as
 * 8-bit RGBA into a buffer the caller copies, then releases with
 * fgc_heif_release(*img). max_side bounds the size libheif accepts. */
int fgc_heif_decode(const uint8_t *buf, size_t n, int max_side, int *w, int *h, int *alpha,
                    const uint8_t **pix, int *stride, void **img, fgc_err *err);
void fgc_heif_release(void *img);
#endif
