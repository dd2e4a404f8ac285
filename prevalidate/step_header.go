package prevalidate

import (
	"context"
	"fmt"
	"math"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/provenance"
)

// stepHeader detects the format, reads the size and metadata from the
// header, and enforces the pixel limit before anything is decoded.
func stepHeader(_ context.Context, s *state) (bool, error) {
	var ok bool
	s.dec, s.hdr, ok = measureHeader(s.data, &s.m, s.opts.MaxPixels)
	if s.m.ReadError == "" {
		s.m.Provenance = readProvenance(s.data, s.hdr.Meta.Software)
	}
	return !ok, nil
}

// readProvenance is what the file declares about its making (nil for
// nothing), with EXIF's Software. A declaration that cannot be read whole
// keeps what was read: a damaged block declares nothing more.
func readProvenance(data []byte, software string) (d *provenance.Declared) {
	defer func() {
		if r := recover(); r != nil { // bytes that strangers send
			d = nil
		}
	}()
	p, _ := provenance.Read(data)
	if software != "" {
		p.AddSoftware(software)
		p.Where = append(p.Where, "EXIF")
	}
	if p.Empty() {
		return nil
	}
	return &p
}

// measureHeader fills m from the header of data. It returns false when the
// image must not be decoded (unreadable, or over the pixel limit).
func measureHeader(data []byte, m *Measurements, maxPixels int64) (decoder, header, bool) {
	m.Bytes = int64(len(data))
	if len(data) == 0 {
		m.ReadError = "the file is empty"
		return decoder{}, header{}, false
	}
	m.Format = Sniff(data)
	dec, known := decoders[m.Format]
	if !known {
		m.ReadError = "not an image in a known format (PNG, JPEG, WebP, BMP, TIFF, HEIC, GIF)"
		return dec, header{}, false
	}
	hdr, err := safeHeader(dec, data)
	if err != nil {
		m.ReadError = fmt.Sprintf("cannot read the %s header: %v", m.Format, err)
		return dec, hdr, false
	}
	o := hdr.Meta.Orientation
	if !o.Valid() {
		o = exif.Normal
	}
	m.Orientation = int(o)
	m.Width, m.Height = hdr.Width, hdr.Height
	if !dec.upright && o.SwapsAxes() {
		m.Width, m.Height = hdr.Height, hdr.Width
	}
	if hdr.MetaErr != nil {
		m.MetadataError = hdr.MetaErr.Error()
	}
	m.Metadata = metadataKinds(hdr.Meta)
	if hdr.Width <= 0 || hdr.Height <= 0 {
		// Nothing to show, not too much: a damaged or empty image.
		m.ReadError = fmt.Sprintf("the %s header declares %dx%d pixels; an image has at least one on each side", m.Format, hdr.Width, hdr.Height)
		return dec, hdr, false
	}
	if px := int64(hdr.Width) * int64(hdr.Height); px > maxPixels {
		m.OverLimit = fmt.Sprintf("%dx%d is %.1f megapixels, the limit is %.1f", hdr.Width, hdr.Height, float64(px)/1e6, float64(maxPixels)/1e6)
		return dec, hdr, false
	}
	return dec, hdr, true
}

// safeHeader runs a header reader, turning a panic into an error: metadata
// and header parsers read bytes that strangers send.
func safeHeader(dec decoder, data []byte) (h header, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("header parser panicked: %v", r)
		}
	}()
	return dec.header(data)
}

func metadataKinds(info exif.Info) []string {
	if !info.Present {
		return nil
	}
	kinds := []string{fmt.Sprintf("EXIF (%d tags)", info.Tags)}
	if info.GPS {
		kinds = append(kinds, "GPS position")
	}
	if info.Camera {
		kinds = append(kinds, "camera make, model or serial")
	}
	return kinds
}

// Pixels is the number of pixels the image in b declares in its header,
// read without decoding (0 when the header cannot be read), and its
// format: what a service can weigh a request's working memory by before
// admitting it.
func Pixels(b []byte) (int64, Format) {
	var m Measurements
	_, hdr, _ := measureHeader(b, &m, math.MaxInt64)
	return int64(hdr.Width) * int64(hdr.Height), m.Format
}

// WorkingPixels is Pixels weighed by how the format is decoded: a JPEG's
// pixels as they are (decoded to YCbCr planes, at a reduced scale when it
// is large), every other format's four times (decoded whole to RGBA, then
// scaled through RGBA copies). Measured peaks for one image in flight: a
// 10.7 MP JPEG 31 MB, a 48 MP one 51 MB; a 10.7 MP PNG 208 MB.
func WorkingPixels(b []byte) int64 {
	px, f := Pixels(b)
	if f != FormatJPEG {
		px *= 4
	}
	return px
}
