// Package codec is facegate's fast path for pixels: JPEG decoding at 1/8 to
// 8/8 scale in the DCT domain and JPEG encoding with libjpeg-turbo, and
// HEIF/HEIC decoding with libheif, all through cgo (Debian packages
// libturbojpeg0-dev and libheif-dev).
//
// A photo that will be scaled to 1080 px anyway does not need all its
// pixels: DecodeJPEG(b, ScaleFor(w, h, outW, outH), nil) decodes at the
// smallest scale that still covers the output, straight to YCbCr planes
// with no colour conversion. The C side (codec.h) is a few calls; every
// library error comes back as a Go error.
package codec
