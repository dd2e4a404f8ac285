package facecheck

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// onnxMessage builds protobuf bytes: each part is a field number and
// either a []byte (length-delimited), a string or an int (varint).
func onnxMessage(parts ...any) []byte {
	var b []byte
	for i := 0; i+1 < len(parts); i += 2 {
		num := protowire.Number(parts[i].(int))
		switch v := parts[i+1].(type) {
		case []byte:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		case string:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, v)
		case int:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	return b
}

// onnxValue is a ValueInfoProto of a float tensor; a string dimension is
// symbolic.
func onnxValue(name string, dims ...any) []byte {
	var shape []any
	for _, d := range dims {
		if s, ok := d.(string); ok {
			shape = append(shape, shapeDim, onnxMessage(2, s))
		} else {
			shape = append(shape, shapeDim, onnxMessage(dimValue, d))
		}
	}
	tensor := onnxMessage(1, 1, tensorShape, onnxMessage(shape...))
	return onnxMessage(valueName, name, valueType, onnxMessage(typeTensor, tensor))
}

func TestONNXIO(t *testing.T) {
	graph := onnxMessage(
		1, onnxMessage(1, "x", 2, "y"), // a node: skipped
		graphInput, onnxValue("image", 1, 3, "height", 224),
		graphInput, onnxValue("weights", 64),
		graphInitializer, onnxMessage(1, 64, tensorName, "weights"),
		graphInput, onnxValue("sparse", 8),
		graphSparseInitializer, onnxMessage(sparseValues, onnxMessage(tensorName, "sparse")),
		graphOutput, onnxValue("scores", 1, 2),
		99, 7, // an unknown varint field
	)
	// A second graph field merges: its outputs follow the first's.
	model := onnxMessage(1, 8, 2, "producer", modelGraph, graph, modelGraph, onnxMessage(graphOutput, onnxValue("boxes", "n", 4)))
	ins, outs, err := onnxIO(model)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ins, outs), "[{image [1 3 -1 224]}] [{scores [1 2]} {boxes [-1 4]}]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A value without a tensor type has no shape.
	if ins, _, err := onnxIO(onnxMessage(modelGraph, onnxMessage(graphInput, onnxMessage(valueName, "seq")))); err != nil || len(ins) != 1 || ins[0].Dims != nil {
		t.Errorf("no type: %v %v", ins, err)
	}
	// Bytes that do not parse: every cut of the model but the whole.
	for n := 1; n < len(model); n++ {
		if _, _, err := onnxIO(model[:n]); err == nil {
			// A cut between two fields is a valid shorter message.
			continue
		} else if !errors.Is(err, errONNX) {
			t.Fatalf("cut at %d: %v", n, err)
		}
	}
	if _, _, err := onnxIO([]byte("not a model at all, just text")); !errors.Is(err, errONNX) {
		t.Errorf("text: %v", err)
	}
	var many []any
	for range maxONNXDims + 1 {
		many = append(many, 1)
	}
	if _, _, err := onnxIO(onnxMessage(modelGraph, onnxMessage(graphInput, onnxValue("big", many...)))); !errors.Is(err, errONNX) {
		t.Errorf("%d dimensions: %v", len(many), err)
	}
}

func FuzzONNXIO(f *testing.F) {
	f.Add(onnxMessage(modelGraph, onnxMessage(graphInput, onnxValue("image", 1, 3, "h", 224), graphOutput, onnxValue("p", 2, 3))))
	f.Add([]byte{})
	if data, err := os.ReadFile(filepath.Join("..", "models", "facesurface", "face_surface.onnx")); err == nil {
		f.Add(data[:4096])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ins, outs, err := onnxIO(b)
		if err != nil {
			if !errors.Is(err, errONNX) {
				t.Fatalf("error not wrapping errONNX: %v", err)
			}
			return
		}
		for _, v := range append(ins, outs...) {
			if len(v.Dims) > maxONNXDims {
				t.Fatalf("%d dimensions", len(v.Dims))
			}
		}
	})
}
