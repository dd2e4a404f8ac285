package facecheck

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/color"
	"image/draw"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

var (
	bfOnce sync.Once
	bfDet  *BlazeFace
	bfErr  error
)

// blazeFace loads ONNX Runtime and the BlazeFace model from where
// models.Find looks (make fetches both into third_party/).
func blazeFace(t testing.TB) *BlazeFace {
	t.Helper()
	bfOnce.Do(func() {
		var lib, model string
		if lib, bfErr = models.Find(models.ONNXRuntime, nil); bfErr != nil {
			return
		}
		if model, bfErr = models.Find(models.BlazeFace256, nil); bfErr != nil {
			return
		}
		if bfErr = LoadRuntime(lib); bfErr == nil {
			bfDet, bfErr = NewBlazeFace(model)
		}
	})
	if bfErr != nil {
		t.Fatal(bfErr)
	}
	return bfDet
}

func keypointAnalyzer(t testing.TB) *Analyzer {
	t.Helper()
	return NewKeypointAnalyzer(predictor(t.(*testing.T)), blazeFace(t))
}

// The anchors are MediaPipe's for the 256 px model: a 16x16 grid with two
// anchors per cell, then an 8x8 grid with six, centres half a cell in.
func TestAnchors(t *testing.T) {
	a := blazeBack.anchors()
	if len(a) != 896 {
		t.Fatalf("%d anchors", len(a))
	}
	want := map[int][2]float64{
		0: {0.5 / 16, 0.5 / 16}, 1: {0.5 / 16, 0.5 / 16}, 2: {1.5 / 16, 0.5 / 16},
		33: {0.5 / 16, 1.5 / 16}, 511: {15.5 / 16, 15.5 / 16},
		512: {0.5 / 8, 0.5 / 8}, 517: {0.5 / 8, 0.5 / 8}, 518: {1.5 / 8, 0.5 / 8}, 895: {7.5 / 8, 7.5 / 8},
	}
	for i, w := range want {
		if math.Abs(a[i][0]-w[0]) > 1e-12 || math.Abs(a[i][1]-w[1]) > 1e-12 {
			t.Errorf("anchor %d at %v, want %v", i, a[i], w)
		}
	}
	if f := blazeFront.anchors(); len(f) != 896 || f[0] != [2]float64{0.5 / 16, 0.5 / 16} {
		t.Errorf("front model: %d anchors, first %v", len(f), f[0])
	}
}

// Decoding reads the box and keypoints relative to their anchor, in
// pixels of the input, and the score through a sigmoid; weighted
// suppression merges overlapping boxes into their score-weighted mean.
func TestDecodeAndSuppress(t *testing.T) {
	anchors := blazeBack.anchors()
	logits := make([]float32, len(anchors))
	coords := make([]float32, len(anchors)*blazeCoords)
	for i := range logits {
		logits[i] = -10
	}
	put := func(i int, logit float32, dx, dy, w float32) {
		logits[i] = logit
		c := coords[i*blazeCoords:]
		c[0], c[1], c[2], c[3] = dx, dy, w, w
		for k := range blazeKeypoints {
			c[4+2*k], c[5+2*k] = dx+float32(k), dy
		}
	}
	put(600, 3, 12.8, -6.4, 51.2)  // score 0.953, centre anchor + (0.05, -0.025), side 0.2
	put(601, 1, 15.36, -6.4, 51.2) // overlaps it: merged
	put(100, 2, 0, 0, 25.6)        // elsewhere: kept
	got := decodeBlaze(blazeBack, anchors, logits, coords, 0.5)
	if len(got) != 3 {
		t.Fatalf("%d faces decoded, want 3", len(got))
	}
	a := anchors[600]
	i := slices.IndexFunc(got, func(f rawFace) bool { return f.score > 0.95 })
	if i < 0 {
		t.Fatalf("no face at anchor 600: %+v", got)
	}
	f := got[i]
	if math.Abs(f.score-1/(1+math.Exp(-3))) > 1e-9 || math.Abs((f.x0+f.x1)/2-(a[0]+0.05)) > 1e-6 ||
		math.Abs((f.y0+f.y1)/2-(a[1]-0.025)) > 1e-6 || math.Abs(f.x1-f.x0-0.2) > 1e-6 || math.Abs(f.pts[3][0]-(a[0]+(12.8+3)/256)) > 1e-6 {
		t.Errorf("decoded %+v for anchor %v", f, a)
	}
	merged := weightedNMS(got, nmsIoU)
	if len(merged) != 2 {
		t.Fatalf("%d after suppression, want 2", len(merged))
	}
	s0, s1 := 1/(1+math.Exp(-3)), 1/(1+math.Exp(-1))
	wantX := a[0] + (s0*12.8+s1*15.36)/(s0+s1)/256
	if m := merged[0]; math.Abs((m.x0+m.x1)/2-wantX) > 1e-6 || m.score != s0 {
		t.Errorf("merged %+v, want centre x %.5f and the best score", m, wantX)
	}
	if bad := decodeBlaze(blazeBack, anchors, logits[:10], coords, 0.5); bad != nil {
		t.Errorf("short outputs decoded: %v", bad)
	}
}

type dlibBoxes struct {
	Images []struct {
		File  string `xml:"file,attr"`
		Boxes []struct {
			Top    int `xml:"top,attr"`
			Left   int `xml:"left,attr"`
			Width  int `xml:"width,attr"`
			Height int `xml:"height,attr"`
		} `xml:"box"`
	} `xml:"images>image"`
}

// On the hand-boxed faces of faces-dlib (43 faces of 37-109 px in 9
// photos), the detector finds at least 38, each with the box dlib's
// predictor is given over the labelled one; nothing else is found.
func TestKeypointsFindHandBoxedFaces(t *testing.T) {
	testsupport.RequireNative(t)
	a := keypointAnalyzer(t)
	var labelled, found, extra int
	for _, name := range []string{"testing.xml", "training.xml"} {
		raw, err := os.ReadFile(testsupport.CorpusPath(t, "faces-dlib/"+name))
		if err != nil {
			t.Fatal(err)
		}
		var ds dlibBoxes
		dec := xml.NewDecoder(bytes.NewReader(raw))
		dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil } // ISO-8859-1, ASCII content
		if err := dec.Decode(&ds); err != nil {
			t.Fatal(err)
		}
		for _, im := range ds.Images {
			img := testsupport.DecodeCorpus(t, "faces-dlib/"+im.File)
			keys, err := a.DetectKeypoints(context.Background(), img, &FindOptions{MinFace: 60})
			if err != nil {
				t.Fatal(err)
			}
			used := make([]bool, len(keys))
			for _, b := range im.Boxes {
				labelled++
				want := image.Rect(b.Left, b.Top, b.Left+b.Width, b.Top+b.Height)
				for i, k := range keys {
					d, ok := k.Detection()
					if ok && !used[i] && iou(d.Box, want) > 0.4 {
						used[i] = true
						found++
						break
					}
				}
			}
			for _, u := range used {
				if !u {
					extra++
				}
			}
		}
	}
	t.Logf("%d of %d labelled faces found, %d other detections", found, labelled, extra)
	if labelled != 43 || found < 38 || extra > 2 {
		t.Errorf("%d of %d labelled faces found, %d other detections", found, labelled, extra)
	}
}

func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	ar := func(r image.Rectangle) float64 { return float64(r.Dx() * r.Dy()) }
	return ar(in) / (ar(a) + ar(b) - ar(in))
}

// Portraits turned in the image plane by -60..60 degrees: one face,
// whose roll (from the landmarks fitted on the face turned upright) reads
// the turn within 5 degrees, and whose size and eye distance stay within
// 5 % of the upright photo's.
func TestUprightFitAtAnyTilt(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := keypointAnalyzer(t)
	white := color.RGBA{255, 255, 255, 255}
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden2.jpg", "faces-gf/tzuyu.jpg"} {
		src := testsupport.DecodeCorpus(t, rel)
		up, err := a.Find(context.Background(), src, nil)
		if err != nil || len(up) != 1 {
			t.Fatalf("%s upright: %d faces, %v", rel, len(up), err)
		}
		base := up[0]
		for deg := -60.0; deg <= 60; deg += 10 {
			faces, err := a.Find(context.Background(), samples.Turned(src, deg, white), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != 1 {
				t.Errorf("%s turned %g: %d faces", rel, deg, len(faces))
				continue
			}
			f := faces[0]
			if d := math.Remainder(f.Pose.Roll-(base.Pose.Roll+deg), 360); math.Abs(d) > 5 ||
				math.Abs(f.Size/base.Size-1) > 0.05 || math.Abs(f.IPD/base.IPD-1) > 0.05 {
				t.Errorf("%s turned %g: roll %.1f (want %.1f), size %.0f (%.0f), ipd %.0f (%.0f)",
					rel, deg, f.Pose.Roll, base.Pose.Roll+deg, f.Size, base.Size, f.IPD, base.IPD)
			}
			if math.Abs(f.Pose.Yaw-base.Pose.Yaw) > 6 || math.Abs(f.Pose.Pitch-base.Pose.Pitch) > 6 {
				t.Errorf("%s turned %g: yaw %.1f pitch %.1f, upright %.1f %.1f", rel, deg, f.Pose.Yaw, f.Pose.Pitch, base.Pose.Yaw, base.Pose.Pitch)
			}
		}
	}
}

// Quarter turns, the half turn above all (BlazeFace reads a face upside
// down as an upright one with its points misplaced): the face is found
// with its roll near the turn, the eyes the right way round.
func TestQuarterTurns(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := keypointAnalyzer(t)
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden2.jpg", "faces-gf/tzuyu.jpg", "faces-gf/nayoung.jpg", "faces-dlib/Tom_Cruise_avp_2014_4.jpg", "faces-gf/elkie.jpg"} {
		src := testsupport.DecodeCorpus(t, rel)
		up, err := a.Find(context.Background(), src, nil)
		if err != nil || len(up) != 1 {
			t.Fatalf("%s upright: %d faces, %v", rel, len(up), err)
		}
		for _, q := range []int{1, 2, 3} {
			faces, err := a.Find(context.Background(), samples.Turned(src, float64(90*q), color.RGBA{A: 255}), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != 1 {
				t.Errorf("%s turned %d°: %d faces", rel, 90*q, len(faces))
				continue
			}
			f := faces[0]
			if d := math.Remainder(f.Pose.Roll-(up[0].Pose.Roll+float64(90*q)), 360); math.Abs(d) > 8 || math.Abs(f.Size/up[0].Size-1) > 0.06 {
				t.Errorf("%s turned %d°: roll %.1f, want %.1f; size %.0f (%.0f)", rel, 90*q, f.Pose.Roll, up[0].Pose.Roll+float64(90*q), f.Size, up[0].Size)
			}
		}
	}
}

// A face of the minimum size in a large photo is found on tiles, where
// the whole image letterboxed gives it a few pixels; the tiles cover the
// image with the overlap they promise.
func TestTilesFindASmallFaceInALargePhoto(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := keypointAnalyzer(t)
	src := testsupport.DecodeCorpus(t, "faces-fr/obama.jpg")
	up, err := a.Find(context.Background(), src, nil)
	if err != nil || len(up) != 1 {
		t.Fatalf("upright: %v %v", up, err)
	}
	// Shrink the photo so the face is 200 px (under the minimum: it must
	// read small, not missing), and paste it into a 6000x4500 grey canvas.
	k := 200 / up[0].Size
	face := samples.Scaled(src, k)
	canvas := image.NewRGBA(image.Rect(0, 0, 6000, 4500))
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.RGBA{120, 128, 124, 255}), image.Point{}, draw.Src)
	at := image.Pt(4100, 2900)
	draw.Draw(canvas, face.Bounds().Add(at), face, face.Bounds().Min, draw.Src)
	whole := newView(canvas.Bounds(), 0, 256)
	views := tileViews(canvas.Bounds(), 256, whole.scale(), 224)
	if len(views) < 2 {
		t.Fatalf("%d tiles", len(views))
	}
	covered := image.Rectangle{}
	for _, v := range views {
		covered = covered.Union(v.region)
		if sc := v.scale(); sc*112 < tileFaceFloor/tileSlack-0.01 {
			t.Errorf("tile %v: a 112 px face has %.1f px", v.region, sc*112)
		}
	}
	if covered != canvas.Bounds() {
		t.Errorf("tiles cover %v of %v", covered, canvas.Bounds())
	}
	forwards.Store(0)
	faces, err := a.Find(context.Background(), canvas, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d tiles, %d forwards, faces %+v", len(views), forwards.Load(), faces)
	if len(faces) != 1 || math.Abs(faces[0].Size/200-1) > 0.08 || !faces[0].Box.Overlaps(face.Bounds().Add(at)) {
		t.Fatalf("faces %+v, want one of about 200 px at %v", faces, at)
	}
	// The same canvas without the face: nothing.
	draw.Draw(canvas, canvas.Bounds(), image.NewUniform(color.RGBA{120, 128, 124, 255}), image.Point{}, draw.Src)
	if faces, _ := a.Find(context.Background(), canvas, nil); len(faces) != 0 {
		t.Errorf("empty canvas: %+v", faces)
	}
}

// tileStarts spreads tiles evenly, first at the start and last at the
// end, overlapping by at least ov.
func TestTileStarts(t *testing.T) {
	for _, c := range []struct{ lo, n, T, ov int }{{0, 3000, 1000, 200}, {5, 1001, 1000, 100}, {0, 900, 1000, 100}, {0, 10000, 700, 300}} {
		s := tileStarts(c.lo, c.n, c.T, c.ov)
		if s[0] != c.lo || (c.n > c.T && s[len(s)-1]+c.T != c.lo+c.n) {
			t.Errorf("%+v: %v", c, s)
		}
		for i := 1; i < len(s); i++ {
			if s[i-1]+c.T-s[i] < c.ov {
				t.Errorf("%+v: tiles %d and %d overlap by %d", c, i-1, i, s[i-1]+c.T-s[i])
			}
		}
	}
}

// No face on the corpus's faceless photos: phones' landscapes, the dogs,
// and the orientation set's views of a person from behind.
func TestKeypointsNoFaceOnFacelessPhotos(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := keypointAnalyzer(t)
	rels := []string{"exif-samples/jpg/mobile/jolla.jpg", "exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg",
		"exif-samples/jpg/hdr/iphone_hdr_YES.jpg", "exif-samples/jpg/hdr/canon_hdr_NO.jpg", "faces-dlib/dogs.jpg",
		"exif-samples/jpg/Reconyx_HC500_Hyperfire.jpg"}
	more, _ := filepath.Glob(filepath.Join(testsupport.CorpusDir(t), "exif-orientation", "*_[1368].jpg"))
	for _, m := range more {
		rels = append(rels, "exif-orientation/"+filepath.Base(m))
	}
	for _, rel := range rels {
		faces, err := a.Find(context.Background(), testsupport.DecodeCorpus(t, rel), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(faces) != 0 {
			t.Errorf("%s: %d faces, first %+v", rel, len(faces), faces[0])
		}
	}
}

// pristin.jpg's ten faces (73-115 px, go-face's test photo): with every
// face wanted, at least nine.
func TestKeypointsGroupPhoto(t *testing.T) {
	testsupport.RequireNative(t)
	a := keypointAnalyzer(t)
	faces, err := a.Find(context.Background(), testsupport.DecodeCorpus(t, "faces-gf/pristin.jpg"), &FindOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(faces) < 9 || len(faces) > 10 {
		t.Errorf("%d faces", len(faces))
	}
	for _, f := range faces {
		if f.Size < 60 || f.Size > 130 {
			t.Errorf("face of %.0f px: %+v", f.Size, f.Box)
		}
	}
}

// On upright frontal faces the points agree with the HOG path's: the
// same faces, size and eye distance within 5 %, angles within a few
// degrees.
func TestKeypointFitAgreesWithHOG(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	k := keypointAnalyzer(t)
	h := NewAnalyzer(predictor(t))
	var n int
	var ratios []float64
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-fr/biden2.jpg", "faces-fr/obama3.jpg",
		"faces-fr/alex_lacamoire1.jpg", "faces-gf/chaeyeon.jpg", "faces-gf/nana.jpg", "faces-gf/nayoung.jpg", "faces-gf/bona.jpg",
		"faces-gf/elkie.jpg", "faces-gf/tzuyu.jpg", "faces-dlib/Tom_Cruise_avp_2014_4.jpg", "faces-fr-knn/test/obama1.jpg"} {
		img := testsupport.DecodeCorpus(t, rel)
		hf, err1 := h.Find(context.Background(), img, nil)
		kf, err2 := k.Find(context.Background(), img, nil)
		if err1 != nil || err2 != nil || len(hf) != 1 || len(kf) != 1 {
			t.Errorf("%s: HOG %d faces, keypoints %d (%v %v)", rel, len(hf), len(kf), err1, err2)
			continue
		}
		a, b := hf[0], kf[0]
		ratios = append(ratios, b.Size/a.Size)
		n++
		if math.Abs(b.Size/a.Size-1) > 0.05 || math.Abs(b.IPD/a.IPD-1) > 0.05 ||
			math.Abs(a.Pose.Roll-b.Pose.Roll) > 2 || math.Abs(a.Pose.Yaw-b.Pose.Yaw) > 5 || math.Abs(a.Pose.Pitch-b.Pose.Pitch) > 5 {
			t.Errorf("%s: HOG size %.0f ipd %.1f pose %+v; keypoints size %.0f ipd %.1f pose %+v", rel, a.Size, a.IPD, a.Pose, b.Size, b.IPD, b.Pose)
		}
	}
	slices.Sort(ratios)
	if n > 0 {
		t.Logf("%d faces, size ratio keypoints/HOG median %.3f, range %.3f..%.3f", n, ratios[n/2], ratios[0], ratios[n-1])
	}
}

// Sessions are one per goroutine at a time: eight goroutines over the
// same photos find exactly what one does, and the pool holds no more
// sessions than ever ran at once.
func TestKeypointsConcurrent(t *testing.T) {
	testsupport.RequireNative(t)
	a := keypointAnalyzer(t)
	rels := []string{"faces-fr/obama.jpg", "faces-gf/pristin.jpg", "faces-dlib/dogs.jpg", "faces-fr/two_people.jpg", "faces-gf/tzuyu.jpg"}
	imgs := make([]image.Image, len(rels))
	want := make([][]Face, len(rels))
	for i, rel := range rels {
		imgs[i] = testsupport.DecodeCorpus(t, rel)
		var err error
		if want[i], err = a.Find(context.Background(), imgs[i], nil); err != nil {
			t.Fatal(err)
		}
	}
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan string, workers*len(rels)*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 3 {
				i := (w + r) % len(rels)
				got, err := a.Find(context.Background(), imgs[i], nil)
				if err != nil {
					errs <- err.Error()
					continue
				}
				if len(got) != len(want[i]) {
					errs <- rels[i] + ": face count differs"
					continue
				}
				for j := range got {
					if got[j].Box != want[i][j].Box || !slices.Equal(got[j].Landmarks, want[i][j].Landmarks) {
						errs <- rels[i] + ": a face differs"
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if idle := a.bf.sessions.idle(); idle > workers+1 {
		t.Errorf("%d idle sessions after %d workers", a.bf.sessions.idle(), workers)
	}
}

// A cancelled context stops the search between passes.
func TestKeypointsHonourContext(t *testing.T) {
	testsupport.RequireNative(t)
	a := keypointAnalyzer(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.Find(ctx, testsupport.DecodeCorpus(t, "exif-samples/jpg/mobile/jolla.jpg"), nil); err == nil {
		t.Error("a cancelled search went on")
	}
}

// Every face the detector reads on the corpus's upright face photos has
// its keypoints where a face's are (plausible), so the check only sends
// odd readings to the half-turned view.
func TestKeypointsPlausibleOnCorpus(t *testing.T) {
	testsupport.RequireNative(t)
	skipShort(t)
	a := keypointAnalyzer(t)
	var n int
	for _, e := range testsupport.Manifest(t) {
		if !strings.HasPrefix(e.Path, "faces-") || e.Format != "JPEG" || e.Orientation > 1 {
			continue
		}
		keys, err := a.DetectKeypoints(context.Background(), testsupport.DecodeCorpus(t, e.Path), &FindOptions{MinFace: 60})
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			n++
			if !k.plausible() {
				t.Errorf("%s: face at %.0f,%.0f (score %.2f, roll %.0f) not plausible: %v", e.Path, k.Box[0], k.Box[1], k.Score, k.Roll(), k.Points)
			}
		}
	}
	t.Logf("%d faces", n)
}
