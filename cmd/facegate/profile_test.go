package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
)

// profile show writes a built-in profile that check reads back with the
// same verdicts; an edited threshold changes them; a bad file is exit 2
// naming the rule and the field.
func TestProfileFile(t *testing.T) {
	testsupport.RequireNative(t)
	obama := testsupport.CorpusPath(t, "faces-fr/obama.jpg")
	shown, stderr, code := facegate(t, "profile", "show", "progeny")
	if code != 0 || !strings.Contains(shown, `"facegate_profile": 1`) || !strings.Contains(shown, `"key": "face_size"`) {
		t.Fatalf("profile show: exit %d, %s %s", code, shown, stderr)
	}
	dir := t.TempDir()
	same := filepath.Join(dir, "same.json")
	os.WriteFile(same, []byte(shown), 0o644)
	if out, _, code := facegate(t, "profile", "check", same); code != 0 || out != shown {
		t.Errorf("profile check of show's output: exit %d, differs: %v", code, out != shown)
	}
	builtin, _, code1 := facegate(t, "check", "--json", obama)
	fromFile, stderr, code2 := facegate(t, "check", "--json", "--profile-file", same, obama)
	if code1 != 0 || code2 != 0 || builtin != fromFile {
		t.Errorf("--profile-file with the built-in profile: exit %d/%d, %s\nvs %s %s", code1, code2, builtin, fromFile, stderr)
	}
	strict := filepath.Join(dir, "strict.json")
	os.WriteFile(strict, []byte(strings.Replace(shown, `"threshold": 224`, `"threshold": 2000`, 1)), 0o644)
	out, _, code := facegate(t, "check", "--json", "--profile-file", strict, obama)
	if r := records(t, out); code != 1 || len(r) != 1 || r[0].OK || !slices.ContainsFunc(r[0].Issues, func(is prevalidate.Issue) bool {
		return is.Code == prevalidate.FaceTooSmall && strings.Contains(is.Message, "2000 px")
	}) {
		t.Errorf("face_size 2000: exit %d, %s", code, out)
	}
	// fix takes it too: the output is judged by the file's rules.
	out, _, code = facegate(t, "fix", "--json", "-o", t.TempDir(), "--profile-file", strict, obama)
	if r := records(t, out); code != 1 || len(r) != 1 || r[0].OK {
		t.Errorf("fix with face_size 2000: exit %d, %s", code, out)
	}
	bad := filepath.Join(dir, "bad.json")
	// EYES_CLOSED's threshold (0.15, as FILTERED's skin_texture's: the
	// first after its code) out of its range.
	at := strings.Index(shown, `"EYES_CLOSED"`)
	os.WriteFile(bad, []byte(shown[:at]+strings.Replace(shown[at:], `"threshold": 0.15`, `"threshold": 7`, 1)), 0o644)
	for _, args := range [][]string{{"check", "--profile-file", bad, obama}, {"profile", "check", bad}, {"serve", "--profile-file", bad, "--addr", "127.0.0.1:0"}} {
		out, stderr, code := facegate(t, args...)
		if code != 2 || out != "" || !strings.Contains(stderr, "(EYES_CLOSED): threshold: 7 is out of range 0..1") || !strings.Contains(stderr, "bad.json") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args[0], code, out, stderr)
		}
	}
	if _, stderr, code := facegate(t, "check", "--profile", "document", "--profile-file", same, obama); code != 2 || !strings.Contains(stderr, "both given") {
		t.Errorf("--profile and --profile-file: exit %d, %q", code, stderr)
	}
	if _, stderr, code := facegate(t, "profile", "show", "strict"); code != 2 || !strings.Contains(stderr, "document, progeny") {
		t.Errorf("unknown built-in: exit %d, %q", code, stderr)
	}
}

// Every command that processes images takes the same image flags.
func TestSameImageFlags(t *testing.T) {
	for _, cmd := range []string{"check", "fix", "submit", "serve"} {
		help, _, code := facegate(t, cmd, "--help")
		for _, flag := range []string{"--profile ", "--profile-file", "--max-bytes", "--max-pixels", "--landmarks", "--all-faces", "--detector ", "--onnxruntime", "--verbose"} {
			if code != 0 || !strings.Contains(help, flag) {
				t.Errorf("%s --help lacks %s", cmd, flag)
			}
		}
		if fixes := cmd != "check"; fixes != strings.Contains(help, "--crop") {
			t.Errorf("%s --help: --crop present %v", cmd, !fixes)
		}
	}
}

// profile list names the built-in profiles, as text and as JSON.
func TestProfileList(t *testing.T) {
	text, _, code := facegate(t, "profile", "list")
	var list []struct {
		Name  string `json:"name"`
		Rules int    `json:"rules"`
	}
	js, _, jcode := facegate(t, "profile", "list", "--json")
	if code != 0 || jcode != 0 || json.Unmarshal([]byte(js), &list) != nil || len(list) < 2 {
		t.Fatalf("exit %d/%d: %s %s", code, jcode, text, js)
	}
	for _, p := range list {
		if p.Rules == 0 || !strings.Contains(text, p.Name+"\t") {
			t.Errorf("%+v not in %q", p, text)
		}
	}
}
