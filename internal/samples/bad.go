package samples

import (
	"archive/zip"
	"bytes"
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
	exifOnly := append([]byte{0xFF, 0xD8}, InsertAPP1([]byte{0xFF, 0xD8, 0xFF, 0xD9}, OrientationTIFF(6))[2:]...)
	exifOnly = exifOnly[:len(exifOnly)-2] // SOI, APP1, no frame, no EOI
	return []BadInput{
		{"greyscale.jpg", grey.Bytes(), true},
		{"rgb16.png", g16.Bytes(), true},
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
