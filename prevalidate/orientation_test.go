package prevalidate

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/codec"
	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/orientation/upright.sha256 from this build")

const orientationDir = "../testdata/orientation"

// The eight orientation fixtures (committed, from internal/samples): the
// generator still makes the same bytes; Check reads each orientation;
// Fix writes the picture upright, its quadrants where they belong, and
// all eight outputs are the same bytes, and they match the golden hashes
// made with the same libjpeg-turbo (another version may encode
// differently: then the other checks decide).
// Neither the corpus nor cgo is needed.
func TestOrientationFixtures(t *testing.T) {
	golden, turbo := readGolden(t)
	have := codec.Versions()["libjpeg-turbo"]
	var lines []string
	opts := &Options{Profile: Document()}
	for o := exif.Normal; o <= exif.Rotate90CCW; o++ {
		name := fmt.Sprintf("orientation_%d.jpg", o)
		data, err := os.ReadFile(filepath.Join(orientationDir, name))
		if err != nil {
			t.Fatalf("%v (go run ./internal/cmd/gensamples writes the fixtures)", err)
		}
		if made, _ := samples.OrientationFixture(o); !bytes.Equal(made, data) {
			t.Errorf("%s differs from what internal/samples makes: run go run ./internal/cmd/gensamples", name)
		}
		rep, err := CheckBytes(context.Background(), data, opts)
		if err != nil {
			t.Fatal(err)
		}
		notUpright := slices.ContainsFunc(rep.Issues, func(is Issue) bool { return is.Code == NotUpright })
		if rep.Orientation != int(o) || notUpright != (o != exif.Normal) || rep.Width != 640 || rep.Height != 480 {
			t.Errorf("%s: check read orientation %d, %dx%d, NOT_UPRIGHT %v", name, rep.Orientation, rep.Width, rep.Height, notUpright)
		}
		rep, out, err := FixBytes(context.Background(), data, opts)
		if err != nil || out == nil {
			t.Fatalf("%s: fix: %v", name, err)
		}
		if !rep.OK || rep.Output.Width != 640 || rep.Output.Height != 480 {
			t.Errorf("%s: fix made %dx%d, ok %v: %+v", name, rep.Output.Width, rep.Output.Height, rep.OK, rep.Output.Issues)
		}
		checkQuadrants(t, name, out)
		sum := sha256.Sum256(out)
		lines = append(lines, name+" "+hex.EncodeToString(sum[:]))
		if want, ok := golden[name]; ok && turbo == have && want != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: upright output %x, golden %s (libjpeg-turbo %s)", name, sum, want, turbo)
		}
	}
	// Flat quadrants on block boundaries: every orientation, turned upright,
	// is the same picture to the byte, whatever libjpeg-turbo encodes it.
	for _, l := range lines[1:] {
		if _, sum, _ := strings.Cut(l, " "); !strings.HasSuffix(lines[0], sum) {
			t.Errorf("%s: upright output differs from orientation_1.jpg's", l)
		}
	}
	if *updateGolden {
		text := "# SHA-256 of facegate fix's upright output of each fixture, document profile\n# libjpeg-turbo " + have + "\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(orientationDir, "upright.sha256"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if turbo != have {
		t.Logf("golden hashes are for libjpeg-turbo %s, this build has %s: the quadrants were checked, the hashes not", turbo, have)
	}
}

func readGolden(t *testing.T) (map[string]string, string) {
	f, err := os.Open(filepath.Join(orientationDir, "upright.sha256"))
	if err != nil {
		if *updateGolden {
			return nil, ""
		}
		t.Fatalf("%v (go test ./prevalidate -run OrientationFixtures -update-golden writes it)", err)
	}
	defer f.Close()
	out, turbo := map[string]string{}, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# libjpeg-turbo "); ok {
			turbo = v
		}
		if name, sum, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			out[name] = sum
		}
	}
	if len(out) != 8 && !*updateGolden {
		t.Fatalf("upright.sha256 has %d entries, want 8", len(out))
	}
	return out, turbo
}

// checkQuadrants decodes a fixed output and checks each quadrant's centre
// has its upright colour.
func checkQuadrants(t *testing.T, name string, jpg []byte) {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatalf("%s: output does not decode: %v", name, err)
	}
	b := img.Bounds()
	for _, q := range []struct{ right, bottom bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		x, y := b.Dx()/4, b.Dy()/4
		if q.right {
			x += b.Dx() / 2
		}
		if q.bottom {
			y += b.Dy() / 2
		}
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		want := samples.OrientationColour(q.right, q.bottom)
		if d := max(absDiff(r>>8, uint32(want.R)), absDiff(g>>8, uint32(want.G)), absDiff(bl>>8, uint32(want.B))); d > 12 {
			t.Errorf("%s: quadrant %+v at %v is %d,%d,%d, want %v", name, q, image.Pt(x, y), r>>8, g>>8, bl>>8, want)
		}
	}
}

func absDiff(a, b uint32) uint32 {
	if a > b {
		return a - b
	}
	return b - a
}

// DecodeUpright (the report's thumbnails) turns every EXIF orientation of
// the corpus's landscape upright, reduced towards the height asked, and
// checks the pixel limit from the header before decoding.
func TestDecodeUpright(t *testing.T) {
	testsupport.RequireNative(t)
	ref, err := DecodeUpright(readCorpus(t, "exif-orientation/Landscape_1.jpg"), 160, 0)
	if err != nil {
		t.Fatal(err)
	}
	rb := ref.Bounds()
	if rb.Dy() < 160 || rb.Dy() > 2*160+16 {
		t.Fatalf("reduced to %v for a height of 160", rb)
	}
	for o := 2; o <= 8; o++ {
		data := readCorpus(t, fmt.Sprintf("exif-orientation/Landscape_%d.jpg", o))
		img, err := DecodeUpright(data, 160, 0)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Size() != rb.Size() {
			t.Errorf("orientation %d: upright %v, want %v", o, img.Bounds().Size(), rb.Size())
			continue
		}
		if d := meanAbsDiff(t, ref, img); d > 12 {
			t.Errorf("orientation %d: mean difference %.1f from the upright original", o, d)
		}
		if _, err := DecodeUpright(data, 160, 1000); err == nil || !strings.Contains(err.Error(), "limit") {
			t.Errorf("orientation %d: a 1000-pixel limit: %v", o, err)
		}
	}
	if _, err := DecodeUpright([]byte("not an image"), 160, 0); err == nil {
		t.Error("text decoded")
	}
}

func readCorpus(t *testing.T, rel string) []byte { return testsupport.ReadCorpus(t, rel) }
