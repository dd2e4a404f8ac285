package prevalidate

import "bytes"

// Format is an image container format, detected from the first bytes of the
// data and never from a file name.
type Format string

// Formats facegate recognises. JPEG and PNG are what Progeny accepts; the
// others are decoded and converted to JPEG by Fix.
const (
	FormatUnknown Format = "unknown"
	FormatJPEG    Format = "jpeg"
	FormatPNG     Format = "png"
	FormatGIF     Format = "gif"
	FormatWebP    Format = "webp"
	FormatBMP     Format = "bmp"
	FormatTIFF    Format = "tiff"
	FormatHEIF    Format = "heif"
)

// SniffLen is how many leading bytes Sniff needs at most.
const SniffLen = 32

// Sniff detects the format from magic bytes.
func Sniff(b []byte) Format {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return FormatGIF
	case len(b) >= 12 && string(b[0:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return FormatWebP
	case bytes.HasPrefix(b, []byte("BM")) && len(b) >= 18:
		return FormatBMP
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")):
		return FormatTIFF
	case isHEIF(b):
		return FormatHEIF
	}
	return FormatUnknown
}

// isHEIF looks for an ftyp box whose major or compatible brands are HEVC
// still-image brands. AVIF (AV1) is not among them: it is not decodable here.
func isHEIF(b []byte) bool {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return false
	}
	size := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if size < 16 || size > len(b) {
		size = len(b)
	}
	brands := [][]byte{b[8:12]}
	for i := 16; i+4 <= size; i += 4 {
		brands = append(brands, b[i:i+4])
	}
	for _, br := range brands {
		switch string(br) {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs":
			return true
		}
	}
	return false
}
