package samples

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
)

// BadInput is one generated hostile or unusual file.
type BadInput struct {
	Name string
	Data []byte
	// Decodes says whether the file is a valid image that must decode.
	Decodes bool
}

// setMarker rewrites the first SOF0 marker of a baseline JPEG to m: SOF2
// claims progressive coding, SOF9 arithmetic coding, over data that is
// neither. Decoders must refuse such files cleanly.
func setMarker(jpg []byte, m byte) []byte {
	out := bytes.Clone(jpg)
	if i := bytes.Index(out, []byte{0xFF, 0xC0}); i >= 0 {
		out[i+1] = m
	}
	return out
}

// BadInputs generates the files of the bad-input corpus from a small
// picture: unusual but valid encodings that must decode, and broken or
// hostile ones that must be refused with a record. Nothing is read from
// disk.
func BadInputs() []BadInput {
	pic := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			pic.SetNRGBA(x, y, color.NRGBA{uint8(4 * x), uint8(5 * y), uint8(x ^ y), 255})
		}
	}
	var base, grey, g16 bytes.Buffer
	jpeg.Encode(&base, pic, &jpeg.Options{Quality: 90})
	gimg := image.NewGray(pic.Rect)
	for i := range gimg.Pix {
		gimg.Pix[i] = uint8(i)
	}
	jpeg.Encode(&grey, gimg, nil)
	deep := image.NewRGBA64(pic.Rect)
	for y := range 48 {
		for x := range 64 {
			deep.SetRGBA64(x, y, color.RGBA64{uint16(1000 * x), uint16(1300 * y), 7, 0xFFFF})
		}
	}
	png.Encode(&g16, deep)
	g16i := image.NewGray16(pic.Rect)
	for y := range 48 {
		for x := range 64 {
			g16i.SetGray16(x, y, color.Gray16{uint16(1000*x + 300*y)})
		}
	}
	exifOnly := append([]byte{0xFF, 0xD8}, InsertAPP1([]byte{0xFF, 0xD8, 0xFF, 0xD9}, OrientationTIFF(6))[2:]...)
	exifOnly = exifOnly[:len(exifOnly)-2] // SOI, APP1, no frame, no EOI
	return []BadInput{
		{"greyscale.jpg", grey.Bytes(), true},
		{"rgb16.png", g16.Bytes(), true},
		{"interlaced-grey16.png", InterlacedPNG16(g16i), true},
		{"progressive-marker.jpg", setMarker(base.Bytes(), 0xC2), false},
		{"arithmetic.jpg", setMarker(base.Bytes(), 0xC9), false},
		{"lossless.jpg", setMarker(base.Bytes(), 0xC3), false},
		{"empty.jpg", nil, false},
		{"exif-only.jpg", exifOnly, false},
		{"soi-only.jpg", []byte{0xFF, 0xD8}, false},
		{"png-signature-only.png", []byte("\x89PNG\r\n\x1a\n"), false},
		{"huge-jpeg.jpg", JPEGBomb(65000, 65000), false},
		{"huge-png.png", PNGBomb(1<<30, 1<<30), false},
		{"zeros.jpg", make([]byte, 4096), false},
	}
}

// NestedZip is a zip holding a zip, a deep path and a 240-byte name, with
// one small JPEG in each place.
func NestedZip() []byte {
	pic := image.NewGray(image.Rect(0, 0, 8, 8))
	var j bytes.Buffer
	jpeg.Encode(&j, pic, nil)
	var inner bytes.Buffer
	zw := zip.NewWriter(&inner)
	w, _ := zw.Create("inner.jpg")
	w.Write(j.Bytes())
	zw.Close()
	var outer bytes.Buffer
	zw = zip.NewWriter(&outer)
	w, _ = zw.Create("nested.zip")
	w.Write(inner.Bytes())
	w, _ = zw.Create(strings.Repeat("d/", 100) + "deep.jpg")
	w.Write(j.Bytes())
	w, _ = zw.Create(strings.Repeat("n", 236) + ".jpg")
	w.Write(j.Bytes())
	zw.Close()
	return outer.Bytes()
}

// InterlacedPNG16 writes img as a 16-bit grey PNG with Adam7 interlacing,
// which image/png reads but does not write.
func InterlacedPNG16(img *image.Gray16) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	var raw bytes.Buffer
	passes := [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	for _, p := range passes {
		if p[0] >= w || p[1] >= h {
			continue // an empty pass has no rows at all
		}
		for y := p[1]; y < h; y += p[3] {
			raw.WriteByte(0) // filter: none
			for x := p[0]; x < w; x += p[2] {
				v := img.Gray16At(b.Min.X+x, b.Min.Y+y).Y
				raw.Write([]byte{byte(v >> 8), byte(v)})
			}
		}
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 16, 0, 0, 0, 1) // depth 16, grey, deflate, filter 0, Adam7
	out := []byte("\x89PNG\r\n\x1a\n")
	out = chunk(out, "IHDR", ihdr)
	out = chunk(out, "IDAT", z.Bytes())
	return chunk(out, "IEND", nil)
}
