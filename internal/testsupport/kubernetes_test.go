package testsupport_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/server"
	yaml "go.yaml.in/yaml/v3"
)

// manifests reads every document of a YAML file.
func manifests(t *testing.T, name string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(root(t), "deploy", "kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []map[string]any
	dec := yaml.NewDecoder(f)
	for {
		var d map[string]any
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs = append(docs, d)
	}
	return docs
}

// get walks a decoded document by keys and list indices.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func byKind(docs []map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, d := range docs {
		out[fmt.Sprint(d["kind"])+"/"+fmt.Sprint(get(d, "metadata", "name"))] = d
	}
	return out
}

// quantity reads a Kubernetes memory quantity (Mi, Gi) or CPU count.
func quantity(t *testing.T, v any) float64 {
	t.Helper()
	s := fmt.Sprint(v)
	for suf, k := range map[string]float64{"Mi": 1 << 20, "Gi": 1 << 30, "m": 1e-3} {
		if n, ok := strings.CutSuffix(s, suf); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				t.Fatalf("quantity %q", s)
			}
			return f * k
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("quantity %q", s)
	}
	return f
}

func argsOf(t *testing.T, c any) []string {
	t.Helper()
	var out []string
	for _, a := range get(c, "args").([]any) {
		out = append(out, fmt.Sprint(a))
	}
	return out
}

// containerCommand is what a container runtime starts for container c of
// a manifest, with args in place of its args: the manifest's command, or
// else the image's ENTRYPOINT (the Dockerfile's), then the args. Without
// either, the first arg is the program, as in a real container (which then
// fails to start). "facegate" is the binary bin.
func containerCommand(t *testing.T, c any, bin string, args []string) *exec.Cmd {
	t.Helper()
	var argv []string
	if cmd, ok := get(c, "command").([]any); ok {
		for _, a := range cmd {
			argv = append(argv, fmt.Sprint(a))
		}
	} else {
		for _, in := range parseDockerfile(t, filepath.Join(root(t), "Dockerfile")) {
			if in.cmd == "ENTRYPOINT" {
				argv = nil
				if err := json.Unmarshal([]byte(in.args), &argv); err != nil {
					t.Fatalf("ENTRYPOINT %s: not the exec form: %v", in.args, err)
				}
			}
		}
	}
	argv = append(argv, args...)
	if len(argv) == 0 {
		t.Fatal("no command, no entrypoint, no args")
	}
	prog := argv[0]
	if prog == "facegate" {
		prog = bin
	}
	return exec.Command(prog, argv[1:]...)
}

// flag returns the value after name in args.
func flag(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// built is the portable binary scripts/build.sh makes, as the container
// builds it, made once for the package's tests (removed by TestMain).
var built struct {
	once      sync.Once
	dir, path string
	err       error
}

// buildBinary returns the portable facegate binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	testsupport.RequireNative(t)
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "facegate-container"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "facegate")
		cmd := exec.Command(filepath.Join(root(t), "scripts", "build.sh"), built.path)
		cmd.Env = append(os.Environ(), "FACEGATE_AVX2=no")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build.sh: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// The service's manifests: a Deployment probed on /healthz, sized from the
// memory budget of its own flags, with --max-in-flight matching the CPU
// limit and a grace period longer than the drain; a Service, an HPA on CPU
// and a PDB over its pods. Then the container's exact arguments start a
// service whose probe path answers.
func TestKubernetesService(t *testing.T) {
	k := byKind(manifests(t, "service.yaml"))
	dep, svc, hpa, pdb := k["Deployment/facegate"], k["Service/facegate"], k["HorizontalPodAutoscaler/facegate"], k["PodDisruptionBudget/facegate"]
	if dep == nil || svc == nil || hpa == nil || pdb == nil {
		t.Fatalf("kinds %v", slices.Collect(func(yield func(string) bool) {
			for n := range k {
				yield(n)
			}
		}))
	}
	pod := get(dep, "spec", "template")
	c := get(pod, "spec", "containers", 0)
	args := argsOf(t, c)
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if get(c, probe, "httpGet", "path") != path || get(c, probe, "httpGet", "port") != "http" {
			t.Errorf("%s: %v, want %s", probe, get(c, probe), path)
		}
	}
	inFlight, _ := strconv.Atoi(flag(args, "--max-in-flight"))
	queue, _ := strconv.Atoi(flag(args, "--queue"))
	maxBody, _ := strconv.ParseInt(flag(args, "--max-body"), 10, 64)
	timeout, err := time.ParseDuration(flag(args, "--timeout"))
	if inFlight < 1 || queue < 1 || maxBody < 1 || err != nil {
		t.Fatalf("args %v: the sizing flags must be explicit", args)
	}
	if cpu := quantity(t, get(c, "resources", "limits", "cpu")); int(cpu) != inFlight {
		t.Errorf("CPU limit %v, --max-in-flight %d", cpu, inFlight)
	}
	budget := server.MemoryBudget(server.Options{MaxInFlight: inFlight, MaxQueue: queue, MaxBody: maxBody})
	for _, kind := range []string{"requests", "limits"} {
		if mem := quantity(t, get(c, "resources", kind, "memory")); mem < float64(budget) {
			t.Errorf("memory %s %.0f MiB under the flags' budget %d MiB", kind, mem/(1<<20), budget>>20)
		}
	}
	upTimeout, err := time.ParseDuration(flag(args, "--upstream-timeout"))
	if err != nil {
		t.Fatalf("args %v: the upstream deadline must be explicit", args)
	}
	upstream := ""
	for _, e := range get(c, "env").([]any) {
		if get(e, "name") == "PROGENY_BASE_URL" {
			upstream, _ = get(e, "value").(string)
		}
	}
	drainDelay, err := time.ParseDuration(flag(args, "--drain-delay"))
	if err != nil {
		t.Fatalf("args %v: the drain delay must be explicit", args)
	}
	drain := server.DrainTime(server.Options{Timeout: timeout, UpstreamTimeout: upTimeout, DrainDelay: drainDelay, Upstream: upstream})
	grace, _ := get(pod, "spec", "terminationGracePeriodSeconds").(int)
	if upstream == "" || time.Duration(grace)*time.Second <= drain {
		t.Errorf("grace period %d s, the drain takes up to %v (upstream %q)", grace, drain, upstream)
	}
	labels := get(pod, "metadata", "labels")
	for name, sel := range map[string]any{"Service": get(svc, "spec", "selector"), "PDB": get(pdb, "spec", "selector", "matchLabels"), "Deployment": get(dep, "spec", "selector", "matchLabels")} {
		if fmt.Sprint(sel) != fmt.Sprint(labels) {
			t.Errorf("%s selects %v, the pods are %v", name, sel, labels)
		}
	}
	if get(svc, "spec", "ports", 0, "targetPort") != get(c, "ports", 0, "name") {
		t.Errorf("Service targets %v", get(svc, "spec", "ports"))
	}
	if get(hpa, "spec", "scaleTargetRef", "name") != "facegate" || get(hpa, "spec", "metrics", 0, "resource", "name") != "cpu" {
		t.Errorf("HPA %v", get(hpa, "spec"))
	}
	if get(pdb, "spec", "minAvailable") == nil {
		t.Error("PDB without minAvailable")
	}
	if get(pod, "spec", "securityContext", "runAsUser") != 10001 {
		t.Errorf("pods run as %v, the image's user is 10001", get(pod, "spec", "securityContext", "runAsUser"))
	}

	// The exact arguments, on loopback.
	bin := buildBinary(t)
	run := slices.Clone(args)
	run[slices.Index(run, "--addr")+1] = "127.0.0.1:0"
	cmd := containerCommand(t, c, bin, run)
	for _, e := range get(c, "env").([]any) {
		cmd.Env = append(cmd.Env, fmt.Sprintf("%v=%v", get(e, "name"), get(e, "value")))
	}
	cmd.Env = append(cmd.Env, "HOME="+t.TempDir())
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "facegate: listening on "); ok {
				addr <- u
			}
		}
		close(addr)
	}()
	var url string
	select {
	case url = <-addr:
	case <-time.After(60 * time.Second):
	}
	if url == "" {
		t.Fatalf("serve %v did not start", run)
	}
	probe := func(kind string) int {
		resp, err := http.Get(url + get(c, kind, "httpGet", "path").(string))
		if err != nil {
			return -1
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if r, l := probe("readinessProbe"), probe("livenessProbe"); r != 200 || l != 200 {
		t.Fatalf("probes: readiness %d, liveness %d", r, l)
	}
	// SIGTERM: not ready at once, still alive and serving for the drain
	// delay, then a clean exit.
	cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(500 * time.Millisecond)
	if r, l := probe("readinessProbe"), probe("livenessProbe"); r != http.StatusServiceUnavailable || l != 200 {
		t.Errorf("draining: readiness %d, liveness %d; want 503 and 200", r, l)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v", err)
		}
	case <-time.After(drain):
		t.Errorf("serve still running %v after SIGTERM", drain)
	}
}

// The bulk run: an Indexed Job whose pods' exact arguments, with
// JOB_COMPLETION_INDEX 0..N-1 and the volumes as folders, check every image
// exactly once across the shards; the report Job's arguments then build the
// report over the shards' files.
func TestKubernetesBulkJob(t *testing.T) {
	k := byKind(manifests(t, "bulk-check.yaml"))
	job, report := k["Job/facegate-check"], k["Job/facegate-report"]
	if job == nil || report == nil {
		t.Fatalf("kinds %v", k)
	}
	if get(job, "spec", "completionMode") != "Indexed" {
		t.Errorf("completionMode %v", get(job, "spec", "completionMode"))
	}
	n, _ := get(job, "spec", "completions").(int)
	c := get(job, "spec", "template", "spec", "containers", 0)
	args := argsOf(t, c)
	if want := fmt.Sprintf("index:$(JOB_COMPLETION_INDEX)/%d", n); flag(args, "--shard") != want || n < 2 {
		t.Errorf("--shard %q with %d completions, want %q", flag(args, "--shard"), n, want)
	}
	jobs, _ := strconv.Atoi(flag(args, "--jobs"))
	budget := server.BatchMemoryBudget(jobs, prevalidate.DefaultMaxInputBytes)
	if mem := quantity(t, get(c, "resources", "limits", "memory")); mem < float64(budget) {
		t.Errorf("memory limit %.0f MiB under the --jobs %d budget %d MiB", mem/(1<<20), jobs, budget>>20)
	}
	if cpu := quantity(t, get(c, "resources", "limits", "cpu")); int(cpu) != jobs {
		t.Errorf("CPU limit %v, --jobs %d", cpu, jobs)
	}

	bin := buildBinary(t)
	images, results := t.TempDir(), t.TempDir()
	// Images to check: the bundled photo and the orientation fixtures.
	for _, src := range append([]string{filepath.Join(root(t), "testdata", "samples", "astronaut.png")},
		must(filepath.Glob(filepath.Join(root(t), "testdata", "orientation", "*.jpg")))...) {
		b, _ := os.ReadFile(src)
		os.WriteFile(filepath.Join(images, filepath.Base(src)), b, 0o644)
	}
	volumes := func(c any, arg string) string {
		for _, m := range get(c, "volumeMounts").([]any) {
			mp := fmt.Sprint(get(m, "mountPath"))
			dir := map[string]string{"images": images, "results": results, "cache": t.TempDir()}[fmt.Sprint(get(m, "name"))]
			if rest, ok := strings.CutPrefix(arg, mp); ok && (rest == "" || rest[0] == '/') {
				return dir + rest
			}
		}
		return arg
	}
	rc := get(report, "spec", "template", "spec", "containers", 0)
	// The report waits for every shard: the count is the completions, the
	// pattern the shards' done files.
	if want, _ := strconv.Atoi(flag(argsOf(t, rc), "--wait-count")); want != n {
		t.Errorf("report waits for %d shards, the Job has %d", want, n)
	}
	if done := strings.ReplaceAll(flag(args, "--done-file"), "$(JOB_COMPLETION_INDEX)", "*"); done == "" || done != flag(argsOf(t, rc), "--wait-done") {
		t.Errorf("shards write %q, the report waits for %q", done, flag(argsOf(t, rc), "--wait-done"))
	}
	// Applied together, as kubectl apply -f does: the report Job starts
	// first and must wait for the shards.
	var reportRun []string
	for _, a := range argsOf(t, rc) {
		reportRun = append(reportRun, volumes(rc, a))
	}
	reportDone := make(chan error, 1)
	var shardsDone atomic.Bool
	reportCmd := containerCommand(t, rc, bin, reportRun)
	var reportOut bytes.Buffer
	reportCmd.Stdout, reportCmd.Stderr = &reportOut, &reportOut
	if err := reportCmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reportCmd.Process.Kill() }) // a shard that fails leaves it waiting
	go func() {
		err := reportCmd.Wait()
		if err == nil && !shardsDone.Load() {
			err = fmt.Errorf("it finished before the shards: %s", reportOut.String())
		} else if err != nil {
			err = fmt.Errorf("%v: %s", err, reportOut.String())
		}
		reportDone <- err
	}()
	seen := map[string]int{}
	for i := range n {
		run := make([]string, len(args))
		for j, a := range args {
			run[j] = volumes(c, strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
		}
		cmd := containerCommand(t, c, bin, run)
		cmd.Env = append(os.Environ(), "FACEGATE_CACHE="+t.TempDir())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		// Images that are not ok are findings, not a failed pod: only an
		// error of the run may fail it (and be retried).
		if err := cmd.Run(); err != nil {
			t.Fatalf("shard %d: %v: %s", i, err, stderr.String())
		}
		journal := volumes(c, strings.ReplaceAll(flag(args, "--resume"), "$(JOB_COMPLETION_INDEX)", strconv.Itoa(i)))
		f, err := os.Open(journal)
		if err != nil {
			t.Fatalf("shard %d wrote no results: %v", i, err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var r struct{ Path string }
			json.Unmarshal(sc.Bytes(), &r)
			seen[filepath.Base(r.Path)]++
		}
		f.Close()
	}
	shardsDone.Store(true)
	if len(seen) != 9 {
		t.Errorf("the shards checked %d images, want 9: %v", len(seen), seen)
	}
	for p, times := range seen {
		if times != 1 {
			t.Errorf("%s checked %d times", p, times)
		}
	}
	// The report Job, started with the shards, finished after them.
	if err := <-reportDone; err != nil {
		t.Fatalf("report: %v", err)
	}
	html, err := os.ReadFile(volumes(rc, flag(argsOf(t, rc), "-o")))
	if err != nil || !regexp.MustCompile(`(?i)<html`).Match(html) || !bytes.Contains(html, []byte("9")) {
		t.Errorf("report: %v, %d bytes", err, len(html))
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
