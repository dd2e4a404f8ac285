package prevalidate

import "log/slog"

// Default safety limits, checked from the header before any pixel is decoded.
const (
	DefaultMaxInputBytes = 50_000_000  // 50 MB
	DefaultMaxPixels     = 100_000_000 // 100 megapixels
)

// Options configure Check and Fix. The zero value is the progeny profile
// with the default limits.
type Options struct {
	Profile       *Profile     // nil = Progeny()
	MaxInputBytes int64        // 0 = DefaultMaxInputBytes
	MaxPixels     int64        // 0 = DefaultMaxPixels
	Logger        *slog.Logger // nil = slog.Default()
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.Profile == nil {
		v.Profile = Progeny()
	}
	if v.MaxInputBytes <= 0 {
		v.MaxInputBytes = DefaultMaxInputBytes
	}
	if v.MaxPixels <= 0 {
		v.MaxPixels = DefaultMaxPixels
	}
	if v.Logger == nil {
		v.Logger = slog.Default()
	}
	return v
}
