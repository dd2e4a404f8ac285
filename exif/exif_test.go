package exif

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
)

// tiffBlock builds a TIFF structure with the given IFD0 entries (tag, type,
// value) in byte order bo.
func tiffBlock(bo binary.AppendByteOrder, entries ...[3]uint32) []byte {
	b := make([]byte, 8, 64)
	if bo == binary.LittleEndian {
		copy(b, "II*\x00")
	} else {
		copy(b, "MM\x00*")
	}
	bo.(binary.ByteOrder).PutUint32(b[4:], 8)
	b = bo.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = bo.AppendUint16(b, uint16(e[0]))
		b = bo.AppendUint16(b, uint16(e[1]))
		b = bo.AppendUint32(b, 1)
		v := make([]byte, 4)
		if e[1] == 3 {
			bo.(binary.ByteOrder).PutUint16(v, uint16(e[2]))
		} else {
			bo.(binary.ByteOrder).PutUint32(v, e[2])
		}
		b = append(b, v...)
	}
	return bo.AppendUint32(b, 0)
}

// The Software tag: inline (up to 4 bytes) or at its offset, cut at NUL,
// non-printable bytes replaced, and an offset past the block ignored.
func TestParseTIFFSoftware(t *testing.T) {
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		b := tiffBlock(bo, [3]uint32{tagSoftware, 2, 0})
		// the entry's count and offset: the text after the block
		text := "GIMP 2.4.5\x00"
		bo.(binary.ByteOrder).PutUint32(b[8+2+4:], uint32(len(text)))
		bo.(binary.ByteOrder).PutUint32(b[8+2+8:], uint32(len(b)))
		info, err := ParseTIFF(append(b, text...))
		if err != nil || info.Software != "GIMP 2.4.5" {
			t.Errorf("%v: %+v %v", bo, info, err)
		}
		if info, _ := ParseTIFF(b); info.Software != "" {
			t.Errorf("%v: offset past the block read as %q", bo, info.Software)
		}
		inline := tiffBlock(bo, [3]uint32{tagSoftware, 2, 0})
		bo.(binary.ByteOrder).PutUint32(inline[8+2+4:], 4)
		copy(inline[8+2+8:], "8.\x013")
		if info, _ := ParseTIFF(inline); info.Software != "8.?3" {
			t.Errorf("%v: inline %q", bo, info.Software)
		}
	}
}

func TestParseTIFFOrientation(t *testing.T) {
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		for o := uint32(1); o <= 8; o++ {
			info, err := ParseTIFF(tiffBlock(bo, [3]uint32{tagOrientation, 3, o}))
			if err != nil || info.Orientation != Orientation(o) || !info.Present {
				t.Errorf("%v orientation %d: got %+v, %v", bo, o, info, err)
			}
		}
	}
	// LONG is accepted too; absent means Normal.
	if info, err := ParseTIFF(tiffBlock(binary.BigEndian, [3]uint32{tagOrientation, 4, 6})); err != nil || info.Orientation != 6 {
		t.Errorf("LONG orientation: %+v %v", info, err)
	}
	if info, err := ParseTIFF(tiffBlock(binary.BigEndian, [3]uint32{tagMake, 2, 0})); err != nil || info.Orientation != Normal || !info.Camera {
		t.Errorf("no orientation: %+v %v", info, err)
	}
}

func TestParseTIFFMalformed(t *testing.T) {
	good := tiffBlock(binary.LittleEndian, [3]uint32{tagOrientation, 3, 6})
	bad0 := tiffBlock(binary.LittleEndian, [3]uint32{tagOrientation, 3, 0})
	outside := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(outside[4:], 1<<30)
	huge := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(huge[8:], 60000)
	gpsOut := tiffBlock(binary.LittleEndian, [3]uint32{tagGPSIFD, 4, 1 << 31}, [3]uint32{tagOrientation, 3, 3})
	cases := map[string][]byte{
		"empty":          nil,
		"short":          good[:5],
		"no mark":        append([]byte("XX"), good[2:]...),
		"truncated IFD":  good[:len(good)-8],
		"orientation 0":  bad0,
		"offset outside": outside,
		"huge count":     huge,
	}
	for name, b := range cases {
		info, err := ParseTIFF(b)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
		if info.Orientation != Normal {
			t.Errorf("%s: orientation %d, want Normal on error", name, info.Orientation)
		}
	}
	// A GPS pointer outside the block is ignored; the orientation still counts.
	if info, err := ParseTIFF(gpsOut); err != nil || info.GPS || info.Orientation != Rotate180 {
		t.Errorf("GPS pointer outside: %+v %v", info, err)
	}
}

func TestFromJPEGCorpus(t *testing.T) {
	n := 0
	for _, e := range testsupport.Manifest(t) {
		if e.Format != "JPEG" {
			continue
		}
		b, err := os.ReadFile(testsupport.CorpusPath(t, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		info, err := FromJPEG(b)
		want := e.Orientation
		switch {
		case want == 0:
			if !errors.Is(err, ErrMalformed) || info.Orientation != Normal {
				t.Errorf("%s: orientation 0 must be malformed and read as Normal, got %v %v", e.Path, info.Orientation, err)
			}
		case want > 0:
			if err != nil || int(info.Orientation) != want {
				t.Errorf("%s: orientation %d (%v), manifest says %d", e.Path, info.Orientation, err, want)
			}
		}
		if e.GPS && !info.GPS {
			t.Errorf("%s: GPS not found", e.Path)
		}
		if want > 0 && !info.Present {
			t.Errorf("%s: EXIF not found", e.Path)
		}
		n++
	}
	if n < 50 {
		t.Fatalf("only %d JPEGs in the manifest", n)
	}
}

func TestParseHEIFCorpus(t *testing.T) {
	for _, e := range testsupport.Manifest(t) {
		if e.Format != "HEIF" {
			continue
		}
		b, err := os.ReadFile(testsupport.CorpusPath(t, e.Path))
		if err != nil {
			t.Fatal(err)
		}
		h, err := ParseHEIF(b)
		if err != nil {
			t.Errorf("%s: %v", e.Path, err)
			continue
		}
		if h.Width != e.Width || h.Height != e.Height {
			t.Errorf("%s: ispe %dx%d, manifest %dx%d", e.Path, h.Width, h.Height, e.Width, e.Height)
		}
		if e.Orientation > 0 && int(h.Exif.Orientation) != e.Orientation {
			t.Errorf("%s: EXIF orientation %d, manifest %d (%v)", e.Path, h.Exif.Orientation, e.Orientation, h.ExifErr)
		}
		if e.GPS != h.Exif.GPS {
			t.Errorf("%s: GPS %v, manifest %v", e.Path, h.Exif.GPS, e.GPS)
		}
		if strings.Contains(e.Notes, "decodes upright as 3024x4032") {
			if w, ht := h.UprightSize(); w != 3024 || ht != 4032 {
				t.Errorf("%s: upright %dx%d (irot %d), want 3024x4032", e.Path, w, ht, h.Rotation)
			}
		}
	}
}

func FuzzParseTIFF(f *testing.F) {
	f.Add(tiffBlock(binary.LittleEndian, [3]uint32{tagOrientation, 3, 6}, [3]uint32{tagGPSIFD, 4, 8}))
	f.Add(tiffBlock(binary.BigEndian, [3]uint32{tagExifIFD, 4, 8}))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ParseTIFF(b)
		if err == nil && !info.Orientation.Valid() {
			t.Fatalf("invalid orientation %d without error", info.Orientation)
		}
		if err != nil && info.Orientation != Normal {
			t.Fatalf("orientation %d with error", info.Orientation)
		}
	})
}

func FuzzFromJPEG(f *testing.F) {
	app1 := append([]byte("Exif\x00\x00"), tiffBlock(binary.BigEndian, [3]uint32{tagOrientation, 3, 8})...)
	seg := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0, byte(len(app1) + 2)}, app1...)
	f.Add(append(seg, 0xFF, 0xDA, 0, 2, 0xFF, 0xD9))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := FromJPEG(b)
		if err == nil && !info.Orientation.Valid() {
			t.Fatalf("invalid orientation %d without error", info.Orientation)
		}
	})
}

func FuzzParseHEIF(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x0cmeta\x00\x00\x00\x00"))
	f.Add(hostileILOC(0x00))
	f.Add(hostileILOC(0x12))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHEIF(b)
		if err == nil && (h.Width <= 0 || h.Height <= 0) {
			t.Fatalf("size %dx%d without error", h.Width, h.Height)
		}
		if x := HEIFXMP(b); len(x) > len(b) {
			t.Fatalf("an XMP item of %d bytes in %d", len(x), len(b))
		}
	})
}

// The plane path (Gray, YCbCr) must give exactly the pixels of the generic
// path, for every orientation and chroma layout.
func TestApplyPlanesMatchGeneric(t *testing.T) {
	r := image.Rect(0, 0, 6, 4)
	g := image.NewGray(r)
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 7)
	}
	var imgs = []image.Image{g}
	for _, ratio := range []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440} {
		m := image.NewYCbCr(r, ratio)
		for i := range m.Y {
			m.Y[i] = uint8(i * 5)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(40+i*9), uint8(200-i*7)
		}
		imgs = append(imgs, m)
		// A sub-image that starts inside: offsets must be honoured.
		imgs = append(imgs, m.SubImage(image.Rect(2, 2, 6, 4)))
	}
	for _, img := range imgs {
		for o := Normal; o <= Rotate90CCW; o++ {
			got := Apply(img, o)
			want := generic(img, o)
			if got.Bounds().Size() != want.Bounds().Size() {
				t.Fatalf("%T %v: size %v, want %v", img, o, got.Bounds().Size(), want.Bounds().Size())
			}
			if o != Normal && reflect.TypeOf(got) != reflect.TypeOf(img) {
				t.Errorf("%T %v: came back as %T", img, o, got)
			}
			gb, wb := got.Bounds(), want.Bounds()
			for y := 0; y < gb.Dy(); y++ {
				for x := 0; x < gb.Dx(); x++ {
					a := color.NRGBAModel.Convert(got.At(gb.Min.X+x, gb.Min.Y+y))
					b := color.NRGBAModel.Convert(want.At(wb.Min.X+x, wb.Min.Y+y))
					if a != b {
						t.Fatalf("%T %v at %d,%d: %v, want %v", img, o, x, y, a, b)
					}
				}
			}
		}
	}
}

// generic is Apply's imaging path, on a copy the plane path cannot take.
func generic(img image.Image, o Orientation) image.Image {
	b := img.Bounds()
	n := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(n, n.Rect, img, b.Min, draw.Src)
	return Apply(n, o)
}
