package prevalidate

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"os/exec"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/facegate/facegate/internal/testsupport"
)

// Fix finds faces of a progressive JPEG on its DC preview. A preview
// without a face is searched again on the decode, with the second look,
// as Check searches it: a face only the second look finds, pasted into a
// faceless phone photo, is found by both (Fix read FACE_NOT_FOUND).
func TestProgressiveSecondLook(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	jpegtran, err := exec.LookPath("jpegtran")
	if err != nil {
		msg := "jpegtran not found (apt-get install libjpeg-turbo-progs; make does)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	bg, err := imaging.Open(testsupport.CorpusPath(t, "exif-samples/jpg/mobile/jolla.jpg"), imaging.AutoOrientation(true))
	if err != nil {
		t.Fatal(err)
	}
	face, err := imaging.Open("../testdata/surface/small_1_0_anhu_0153.jpg")
	if err != nil {
		t.Fatal(err)
	}
	face = imaging.Resize(face, 250, 0, imaging.Lanczos)
	comp := image.NewNRGBA(bg.Bounds())
	draw.Draw(comp, comp.Bounds(), bg, image.Point{}, draw.Src)
	at := image.Pt(300, 300)
	draw.Draw(comp, face.Bounds().Add(at), face, image.Point{}, draw.Src)
	var base bytes.Buffer
	if err := jpeg.Encode(&base, comp, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(jpegtran, "-progressive")
	cmd.Stdin = bytes.NewReader(base.Bytes())
	prog, err := cmd.Output()
	if err != nil {
		t.Fatalf("jpegtran: %v", err)
	}
	ctx := context.Background()
	// BlazeFace alone misses it: the test needs the second look.
	blazeOnly, err := LoadAnalyzer(&AnalyzerOptions{NoSecondLook: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := CheckBytes(ctx, prog, &Options{Faces: blazeOnly}); err != nil || !rep.Has(FaceNotFound) {
		t.Fatalf("without the second look: %v %v (the photo no longer needs it)", rep.Codes(), err)
	}
	chk, err := CheckBytes(ctx, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	fix, out, err := FixBytes(ctx, prog, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := image.Rect(at.X, at.Y, at.X+face.Bounds().Dx(), at.Y+face.Bounds().Dy())
	for name, rep := range map[string]*Report{"check": chk, "fix": fix} {
		if rep.Has(FaceNotFound) || len(rep.Faces) == 0 {
			t.Errorf("%s: %v, no face", name, rep.Codes())
			continue
		}
		b := rep.Faces[0].Box
		if !image.Rect(b[0], b[1], b[0]+b[2], b[1]+b[3]).Overlaps(want) {
			t.Errorf("%s: face at %v, pasted at %v", name, b, want)
		}
	}
	if fix.OK != chk.OK || (fix.OK && out == nil) {
		t.Errorf("fix ok %v (output %d bytes), check ok %v: %v / %v", fix.OK, len(out), chk.OK, fix.Codes(), chk.Codes())
	}
}
