//go:build cgo

package facecheck

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/models"
)

// onnxModelFiles are the ONNX files facegate reads: the face-surface and
// re-capture models it builds in, and both BlazeFace models make fetches.
func onnxModelFiles(t testing.TB) []string {
	t.Helper()
	blaze, err := models.Find(models.BlazeFace256, nil)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "models")
	return []string{
		filepath.Join(root, "facesurface", "face_surface.onnx"),
		filepath.Join(root, "recapture", "recapture.onnx"),
		blaze,
		filepath.Join(filepath.Dir(blaze), "face_detection_front_128x128_barracuda.onnx"),
	}
}

// onnxIO reads the same inputs and outputs, names and shapes, as ONNX
// Runtime reports for each model facegate reads (but for an output's
// symbolic dimensions, which the runtime resolves).
func TestONNXIOMatchesRuntime(t *testing.T) {
	testsupport.RequireNative(t)
	blazeFace(t) // loads the runtime
	for _, path := range onnxModelFiles(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ins, outs, err := onnxIO(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rins, routs, err := ort.GetInputOutputInfoWithONNXData(data)
		if err != nil {
			t.Fatalf("%s: the runtime: %v", path, err)
		}
		for _, c := range []struct {
			what string
			got  []onnxTensor
			want []ort.InputOutputInfo
		}{{"inputs", ins, rins}, {"outputs", outs, routs}} {
			var want []onnxTensor
			for i, w := range c.want {
				d := []int64(w.Dimensions)
				// The runtime reports an output's symbolic dimensions as
				// its shape inference resolved them; the file has -1.
				if c.what == "outputs" && i < len(c.got) && len(c.got[i].Dims) == len(d) {
					d = slices.Clone(d)
					for k, v := range c.got[i].Dims {
						if v == -1 {
							d[k] = -1
						}
					}
				}
				want = append(want, onnxTensor{Name: w.Name, Dims: d})
			}
			if fmt.Sprint(c.got) != fmt.Sprint(want) || len(c.got) == 0 {
				t.Errorf("%s: %s %v, the runtime's %v", filepath.Base(path), c.what, c.got, want)
			}
		}
		t.Logf("%s: inputs %v, outputs %v", filepath.Base(path), ins, outs)
	}
}
