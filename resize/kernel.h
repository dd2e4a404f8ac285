/* The C ABI of resize's plane kernel: one separable resampling pass pair
 * over an 8-bit plane, with weights computed in Go. No allocation, no
 * failure: the caller sizes every buffer. */
#ifndef FACEGATE_RESIZE_KERNEL_H
#define FACEGATE_RESIZE_KERNEL_H
#include <stdint.h>

/* dst (dw x dh, stride ds) = src (sw x sh, stride ss) filtered
 * horizontally then vertically. Output x reads xtaps inputs from
 * xstart[x] with weights xw[x*xtaps ...]; output y reads ytaps rows of
 * the horizontal result from ystart[y] with weights yw[y*ytaps ...].
 * Padded weights are 0; reads stay inside the buffers when
 * xstart[x] + xtaps <= sw + xtaps, ystart[y] < sh, row holds sw + xtaps
 * floats and ring holds rows * dw floats: the horizontal result's rows,
 * computed as the vertical pass first needs them. rows is at least ytaps
 * when ystart never decreases (a row under ystart[y] is then never read
 * again), sh + ytaps otherwise. */
void fgr_scale_plane(const uint8_t *src, int sw, int sh, int ss,
                     uint8_t *dst, int dw, int dh, int ds,
                     const int32_t *xstart, const float *xw, int xtaps,
                     const int32_t *ystart, const float *yw, int ytaps,
                     float *row, float *ring, int rows);
#endif
