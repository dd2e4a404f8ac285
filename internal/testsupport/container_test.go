package testsupport_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/modroot"
	"github.com/facegate/facegate/internal/testsupport"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
	stage     int // 0 = before the first FROM
}

func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []instruction
	var cur strings.Builder
	stage := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd, strings.TrimSpace(args), stage})
	}
	return out
}

func root(t *testing.T) string {
	t.Helper()
	r := modroot.Dir()
	if r == "" {
		t.Fatal("not inside the facegate module")
	}
	return r
}

// packageList reads scripts/packages/NAME.txt.
func packageList(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root(t), "scripts", "packages", name+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		pkgs = append(pkgs, strings.Fields(line)...)
	}
	return pkgs
}

// The Dockerfile's steps are the repository's scripts, as make runs them,
// and the image is what the README says.
func TestDockerfile(t *testing.T) {
	r := root(t)
	ins := parseDockerfile(t, filepath.Join(r, "Dockerfile"))
	var froms []string
	script := regexp.MustCompile(`(?:^|[ /])scripts/([a-z]+\.sh)(?: ([a-z ]+))?`)
	installs := map[int][]string{} // stage -> the lists it installs
	scripts := map[string]bool{}
	last := map[string]instruction{}
	for _, in := range ins {
		last[in.cmd] = in
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "RUN":
			if strings.Contains(in.args, "apt-get") || strings.Contains(in.args, "npm ") {
				t.Errorf("RUN %q installs by hand: install steps call scripts/", in.args)
			}
			for _, m := range script.FindAllStringSubmatch(in.args, -1) {
				scripts[m[1]] = true
				if m[1] == "install.sh" {
					installs[in.stage] = append(installs[in.stage], strings.Fields(m[2])...)
				}
			}
		}
	}
	// The bases are arguments (scripts/image-test.sh passes its own),
	// whose defaults are the official images.
	args := map[string]string{}
	for _, in := range ins {
		if in.cmd == "ARG" && in.stage == 0 {
			k, v, _ := strings.Cut(in.args, "=")
			args[k] = v
		}
	}
	for i, f := range froms {
		for k, v := range args {
			froms[i] = strings.ReplaceAll(f, "${"+k+"}", v)
			f = froms[i]
		}
	}
	if len(froms) != 2 || !regexp.MustCompile(`^golang:1\.\d+-bookworm AS build$`).MatchString(froms[0]) || froms[1] != "debian:bookworm-slim" {
		t.Errorf("stages %q: want a golang:1.N-bookworm build stage and debian:bookworm-slim", froms)
	}
	if !slices.Equal(installs[1], []string{"build"}) || !slices.Equal(installs[2], []string{"runtime"}) {
		t.Errorf("package installs by stage: %v, want build then runtime", installs)
	}
	for _, s := range []string{"install.sh", "fetch.sh", "build.sh"} {
		st, err := os.Stat(filepath.Join(r, "scripts", s))
		if !scripts[s] || err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("scripts/%s: used %v, %v", s, scripts[s], err)
		}
	}
	// make runs the same scripts.
	mk, _ := os.ReadFile(filepath.Join(r, "Makefile"))
	for _, want := range []string{"./scripts/install.sh build test", "./scripts/fetch.sh", "./scripts/build.sh bin/facegate"} {
		if !strings.Contains(string(mk), want) {
			t.Errorf("Makefile does not run %q", want)
		}
	}
	for _, want := range []struct{ cmd, re string }{
		{"USER", `^facegate$`},
		{"VOLUME", `^/var/cache/facegate$`},
		{"HEALTHCHECK", `CMD \["facegate", "health", "--addr", "127\.0\.0\.1:8080"\]$`},
		{"ENTRYPOINT", `^\["facegate"\]$`},
		{"CMD", `^\["serve", "--addr", "0\.0\.0\.0:8080"\]$`},
		{"ENV", `FACEGATE_CACHE=/var/cache/facegate`},
	} {
		if in, ok := last[want.cmd]; !ok || !regexp.MustCompile(want.re).MatchString(in.args) {
			t.Errorf("%s %q, want it to match %s", want.cmd, in.args, want.re)
		}
	}
	if !slices.ContainsFunc(ins, func(in instruction) bool { return in.cmd == "ARG" && in.args == "AVX2=no" }) {
		t.Error("no ARG AVX2=no")
	}
	var build string
	for _, in := range ins {
		if in.cmd == "RUN" && strings.Contains(in.args, "scripts/build.sh") {
			build = in.args
		}
	}
	for _, arg := range []string{"FACEGATE_AVX2=$AVX2", "FACEGATE_VERSION=$VERSION", "FACEGATE_COMMIT=$COMMIT"} {
		if !strings.Contains(build, arg) {
			t.Errorf("the build step %q does not take %s (the context has no .git)", build, arg)
		}
	}
	// The runtime list names no -dev package and every one exists.
	for _, p := range packageList(t, "runtime") {
		if strings.HasSuffix(p, "-dev") {
			t.Errorf("runtime package %s is a -dev package", p)
		}
	}
}

// The runtime packages cover what the binary links: every library ldd
// resolves belongs to one of them or to what they depend on.
func TestContainerPackages(t *testing.T) {
	testsupport.RequireNative(t)
	for _, tool := range []string{"ldd", "dpkg-query", "apt-cache"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s: %v", tool, err)
			}
			t.Skipf("needs Debian's %s: %v", tool, err)
		}
	}
	bin := buildBinary(t)
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	// ONNX Runtime is loaded at run time (dlopen): its own needs count too.
	if ort := filepath.Join(root(t), "third_party", "lib", "libonnxruntime.so.1"); fileExists(ort) {
		more, err := exec.Command("ldd", ort).Output()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, more...)
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("%s missing (make fetches it)", ort)
	}
	runtime := packageList(t, "runtime")
	args := append([]string{"depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", "--no-pre-depends"}, runtime...)
	deps, err := exec.Command("apt-cache", args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	closure := map[string]bool{}
	for _, line := range strings.Split(string(deps), "\n") {
		f := strings.Fields(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "Depends:")))
		if len(f) == 1 && !strings.HasPrefix(f[0], "<") {
			closure[strings.Split(f[0], ":")[0]] = true
		}
	}
	for _, p := range runtime {
		if !closure[p] {
			t.Errorf("runtime package %s is not known to apt", p)
		}
	}
	libs := 0
	for _, line := range strings.Split(string(out), "\n") {
		_, path, ok := strings.Cut(line, "=> ")
		if !ok {
			continue
		}
		path, _, _ = strings.Cut(path, " (")
		real, err := filepath.EvalSymlinks(path)
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		owner := ""
		for _, p := range []string{real, strings.Replace(real, "/usr/lib/", "/lib/", 1)} {
			if o, err := exec.Command("dpkg-query", "-S", p).Output(); err == nil {
				owner, _, _ = strings.Cut(strings.TrimSpace(string(o)), ": ")
				owner = strings.Split(owner, ":")[0]
				break
			}
		}
		libs++
		switch {
		case owner == "":
			t.Errorf("%s (%s) belongs to no Debian package", path, real)
		case !closure[owner]:
			t.Errorf("%s comes from %s, which the runtime packages do not bring", path, owner)
		}
	}
	if libs < 10 {
		t.Errorf("ldd named %d libraries: %s", libs, out)
	}
	t.Logf("%d libraries (of the binary and of ONNX Runtime) checked against the runtime packages %v and their dependencies (%d packages)", libs, runtime, len(closure))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
