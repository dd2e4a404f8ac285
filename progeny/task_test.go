package progeny

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"testing"
)

// The answers exactly as the documentation prints them.
const (
	docRegistered = `{"id": 2170, "status": "SUCCESS", "result": {"status": 200, "data": {"uuid": "d3da2b7a-b062-11ec-b3b9-0242ac190002"}}}`
	docTooSmall   = `{"id": 2165, "status": "SUCCESS", "result": {"data": {"liveness": {"result": false, "error": "Interpupillary distance is too small", "error_code": "FACE_TOO_SMALL"}}, "status": 400, "issues": {"FACE_TOO_SMALL": "Interpupillary distance is too small"}}}`
	docNotFound   = `{"id": 2158, "status": "SUCCESS", "result": {"data": {"liveness": {"data": {"error": "Failed to detect face", "error_code": "FACE_NOT_FOUND"}, "result": false}, "issues": {"liveness": {"FACE_NOT_FOUND": "Failed to detect face"}}}, "status": 200}}`
	docLive       = `{"id": 2158, "status": "SUCCESS", "result": {"data": {"liveness": {"result": true, "data": {"score": 2.59, "quality": 0.82, "probability": 0.93}}}, "status": 200}}`
)

func TestParseTaskDocumentedShapes(t *testing.T) {
	task, done, err := ParseTask([]byte(docRegistered))
	if err != nil || !done || task.verdict() != nil || task.ID != "2170" || task.Status != 200 {
		t.Fatalf("registered: %+v %v %v", task, done, err)
	}
	for doc, code := range map[string]string{docTooSmall: "FACE_TOO_SMALL", docNotFound: "FACE_NOT_FOUND"} {
		task, done, err := ParseTask([]byte(doc))
		if err != nil || !done {
			t.Fatal(err)
		}
		var re *RejectedError
		if err := task.verdict(); !errors.As(err, &re) || re.Code != code || re.Issues[code] == "" || re.Message == "" {
			t.Errorf("%s: %v", code, err)
		}
	}
	task, _, _ = ParseTask([]byte(docLive))
	if l := task.Liveness; l == nil || !l.Result || l.Score != 2.59 || l.Quality != 0.82 || task.verdict() != nil {
		t.Errorf("live: %+v", task.Liveness)
	}
	for _, pending := range []string{`{"id": 1, "status": "PENDING", "result": null}`, `{"id": 1, "status": "STARTED"}`, `{"id": 1, "status": "RETRY"}`} {
		if _, done, err := ParseTask([]byte(pending)); done || err != nil {
			t.Errorf("%s: done %v, %v", pending, done, err)
		}
	}
	task, done, err = ParseTask([]byte(`{"id": 7, "status": "FAILURE", "result": "worker lost"}`))
	var te *TaskError
	if !done || err != nil || !errors.As(task.verdict(), &te) {
		t.Errorf("failure: %+v %v", task, err)
	}
	for _, bad := range []string{``, `[]`, `{"id": 1}`, `{"status": "SUCCESS", "result": {"status": "x"}}`} {
		if _, _, err := ParseTask([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseTask(f *testing.F) {
	for _, s := range []string{docRegistered, docTooSmall, docNotFound, docLive, `{"status":"FAILURE"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		task, done, err := ParseTask(b)
		if err == nil && task == nil {
			t.Fatal("no task and no error")
		}
		if done {
			_ = task.verdict()
		}
	})
}

func TestTokenExpiry(t *testing.T) {
	// {"exp": 1700000000}
	if exp, err := tokenExpiry("e30.eyJleHAiOjE3MDAwMDAwMDB9.c2ln"); err != nil || exp.Unix() != 1700000000 {
		t.Errorf("%v %v", exp, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "e30.e30.c2ln"} {
		if _, err := tokenExpiry(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// authenticate_face's answer with a live face that is not the registered
// person's: the liveness result is true, the likeness (authentication)
// result false. The task is not positive, and both results are kept.
const docLiveNotLikeness = `{"id": 2171, "status": "SUCCESS", "result": {"status": 200, "data": {"authentication": {"result": false, "data": {"matchScore": "0.4", "scorePercent": "2.0"}}, "liveness": {"result": true, "data": {"score": 2.1, "quality": 0.8, "probability": 0.9}}}}}`

func TestLiveButNotTheSamePerson(t *testing.T) {
	task, done, err := ParseTask([]byte(docLiveNotLikeness))
	if err != nil || !done {
		t.Fatal(done, err)
	}
	if task.Liveness == nil || !task.Liveness.Result || task.Likeness == nil || *task.Likeness {
		t.Fatalf("liveness %+v, likeness %v", task.Liveness, task.Likeness)
	}
	if task.Positive() {
		t.Error("a task whose likeness result is false is positive")
	}
	live, _, _ := ParseTask([]byte(docLive))
	if !live.Positive() || live.Likeness != nil {
		t.Errorf("live, no likeness: positive %v, likeness %v", live.Positive(), live.Likeness)
	}
	if (*Task)(nil).Positive() {
		t.Error("no task is positive")
	}
}

// Form keeps every value of a field in order, sorts the fields, and
// refuses a file without data instead of sending an empty part.
func TestForm(t *testing.T) {
	body, ctype, err := Form([]File{{Field: "image", Data: []byte("\xff\xd8\xff\xe0 jpeg")}}, map[string][]string{"b": {"2", "1"}, "a": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(ctype)
	r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var got []string
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(p)
		got = append(got, p.FormName()+"="+p.FileName()+":"+string(b))
	}
	want := []string{"a=:x", "b=:2", "b=:1", "image=image.jpg:\xff\xd8\xff\xe0 jpeg"}
	if !slices.Equal(got, want) {
		t.Errorf("parts %q, want %q", got, want)
	}
	if _, _, err := Form([]File{{Field: "image"}}, nil); err == nil {
		t.Error("a file without data built a form")
	}
}
