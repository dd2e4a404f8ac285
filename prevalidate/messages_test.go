package prevalidate

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/png"
	"math/rand/v2"
	"strings"
	"testing"
)

// zeroWideGIF is a whole GIF whose screen and frame are 0 pixels wide.
func zeroWideGIF() []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, 16)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, ',')
	for _, v := range []uint16{0, 0, 0, 16} {
		b = binary.LittleEndian.AppendUint16(b, v)
	}
	return append(b, 0, 2, 2, 0x44, 1, 0, ';')
}

// Messages say what is wrong in the words and numbers a person uses: an
// image of 0 pixels is unreadable, not too large, and a byte limit is
// 2000000, not 2e+06.
func TestMessagesSayWhatIsWrong(t *testing.T) {
	ctx := context.Background()
	rep, err := CheckBytes(ctx, zeroWideGIF(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Has(InputTooLarge) || !rep.Has(FailedToReadImage) || !strings.Contains(rep.Issues[0].Message, "0x16 pixels") {
		t.Errorf("0-pixel GIF: %+v", rep.Issues)
	}
	// A PNG of noise: about 2.4 MB, over the 2 MB limit.
	noise := image.NewRGBA(image.Rect(0, 0, 900, 900))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
		if i%4 == 3 {
			noise.Pix[i] = 255
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, noise); err != nil {
		t.Fatal(err)
	}
	big := buf.Bytes()
	rep, err = CheckBytes(ctx, big, &Options{Profile: Document()}) // the size rules without the face ones
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, is := range rep.Issues {
		if strings.Contains(is.Message, "e+") {
			t.Errorf("%s: %s", is.Code, is.Message)
		}
		if is.Code == FileTooLarge {
			found = strings.Contains(is.Message, "at most 2000000 allowed")
		}
	}
	if !found {
		t.Errorf("FILE_TOO_LARGE: %+v", rep.Issues)
	}
}
