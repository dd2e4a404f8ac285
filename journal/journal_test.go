package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/progeny"
)

// Concurrent writers in one process each append whole lines; Read gets
// every record back; paths stay out unless asked for.
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	w, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	p := prevalidate.Progeny()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				r := New("face_liveness", "image", "enforce", p, &prevalidate.Report{Width: 100 + i, Height: 200, Faces: []prevalidate.Face{{Box: [4]int{10, 20, 30, 40}, Size: 33}}}, true)
				r.Path = fmt.Sprintf("/photos/%d-%d.jpg", g, i)
				if err := w.Write(r); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	w.Close()
	data, _ := os.ReadFile(path)
	n := 0
	skipped, err := Read(bytes.NewReader(data), func(r Record) error {
		n++
		if r.Path != "" || r.Profile != "progeny" || r.Measures.Faces[0].Margins != [4]int{10, 20, r.Measures.Width - 40, 140} {
			t.Errorf("record %+v", r)
		}
		return nil
	})
	if err != nil || len(skipped) != 0 || n != 400 {
		t.Errorf("%d records, skipped %v, %v", n, skipped, err)
	}
	if bytes.Contains(data, []byte("/photos/")) {
		t.Error("paths written without Paths")
	}
}

// Damaged lines are reported with their numbers and skipped; the others
// are read.
func TestReadSkipsDamagedLines(t *testing.T) {
	good := `{"journal":1,"service":"face_liveness","codes":[],"measures":{"faces":[]}}`
	in := strings.Join([]string{good, `{"journal":1,"serv`, "", `{"journal":2}`, strings.Repeat("x", maxLine+10), good, `{"journal":1,"measures":{"width":"wide"}}`}, "\n")
	var n int
	skipped, err := Read(strings.NewReader(in), func(Record) error { n++; return nil })
	if err != nil || n != 2 {
		t.Fatalf("%d records, %v", n, err)
	}
	var lines []int
	for _, s := range skipped {
		lines = append(lines, s.Line)
	}
	if fmt.Sprint(lines) != "[2 4 5 7]" {
		t.Errorf("skipped lines %v (%v), want [2 4 5 7]", lines, skipped)
	}
}

// FuzzRead: any input gives records or line errors, never a panic, and
// every record read writes back to a line that reads to the same record.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"journal":1,"service":"face_liveness","codes":["FACE_TOO_SMALL"],"measures":{"faces":[{"size":3}]},"verdict":{"result":false}}` + "\n{\"journal\":1"))
	f.Add([]byte("\n\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read(bytes.NewReader(data), func(r Record) error {
			path := filepath.Join(t.TempDir(), "j")
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			w.Paths = true
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
			w.Close()
			b, _ := os.ReadFile(path)
			n := 0
			skipped, _ := Read(bytes.NewReader(b), func(Record) error { n++; return nil })
			if n != 1 || len(skipped) != 0 {
				t.Fatalf("a record read does not read back: %s", b)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A task whose issues say what is wrong (no error code) gives the same
// record every time: the first code in order, with its message.
func TestVerdictOfIssuesInOrder(t *testing.T) {
	task := &progeny.Task{ID: "t1", State: "SUCCESS", Status: 400,
		Issues: map[string]string{"FACE_TOO_SMALL": "small", "EYES_CLOSED": "closed", "IMAGE_TOO_BLURRY": "blurry", "FACE_CROPPED": "cropped"}}
	for range 50 {
		if v := VerdictOf(task, nil); v.Code != "EYES_CLOSED" || v.Message != "closed" || v.TaskID != "t1" {
			t.Fatalf("verdict %+v", v)
		}
	}
}

// A record keeps the face-surface reading of the bytes sent, and the
// detections set aside as not a person's face, for calibrate.
func TestRecordKeepsCover(t *testing.T) {
	p := prevalidate.Progeny()
	c := &prevalidate.Cover{Mouth: 0.9, Nose: 0.7, Lower: 0.8, Human: 0.99}
	rep := &prevalidate.Report{Width: 800, Height: 900, Faces: []prevalidate.Face{{Box: [4]int{10, 20, 300, 300}, Size: 300, Cover: c}},
		Output: &prevalidate.Output{Width: 700, Height: 800, Faces: []prevalidate.Face{}, NotFaces: []prevalidate.Face{{Box: [4]int{1, 2, 3, 4}, Cover: &prevalidate.Cover{Human: 0.1}}}}}
	r := New("face_liveness", "image", ModeShadow, p, rep, false)
	if len(r.Measures.Faces) != 1 || r.Measures.Faces[0].Cover == nil || r.Measures.Faces[0].Cover.Mouth != 0.9 || len(r.Measures.NotFaces) != 0 {
		t.Fatalf("input record: %+v", r.Measures)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil || back.Measures.Faces[0].Cover.MouthNose() != 0.9 {
		t.Fatalf("round trip: %v %s", err, b)
	}
	r = New("face_liveness", "image", ModeEnforce, p, rep, true)
	if len(r.Measures.Faces) != 0 || len(r.Measures.NotFaces) != 1 || r.Measures.NotFaces[0].Cover.Human != 0.1 {
		t.Fatalf("output record: %+v", r.Measures)
	}
}

// A live face that is not the registered person's: the record keeps the
// liveness result (true) and the likeness result (false).
func TestVerdictOfKeepsLivenessAndLikeness(t *testing.T) {
	task, _, err := progeny.ParseTask([]byte(`{"id": 9, "status": "SUCCESS", "result": {"status": 200, "data": {"authentication": {"result": false}, "liveness": {"result": true}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	v := VerdictOf(task, nil)
	if v.Result == nil || !*v.Result || v.Likeness == nil || *v.Likeness || v.Code != "" {
		t.Fatalf("verdict %+v", v)
	}
	b, _ := json.Marshal(v)
	if !strings.Contains(string(b), `"result":true`) || !strings.Contains(string(b), `"likeness":false`) {
		t.Errorf("record %s", b)
	}
}
