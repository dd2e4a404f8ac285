// Command check is a program of its own, outside facegate's repository,
// that uses facegate's packages: it checks each photo named on its command
// line against Progeny's rules and, with -o, writes the fixed JPEG of each
// one that can be made compliant.
//
// It finds the model files and the ONNX Runtime library the way the
// facegate command does: from prevalidate.AnalyzerOptions when a program
// sets them, or else from the environment (FACEGATE_MODELS, a folder of
// models; FACEGATE_ONNXRUNTIME, the runtime library; FACEGATE_CACHE, where
// parsed models are kept), then the default places (package models).
//
//	FACEGATE_MODELS=/opt/facegate/third_party/models \
//	FACEGATE_ONNXRUNTIME=/opt/facegate/third_party/lib/libonnxruntime.so.1 \
//	  go run . -o fixed selfie.jpg
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/facegate/facegate/prevalidate"
)

func main() {
	out := flag.String("o", "", "folder for the fixed JPEGs (none: only check)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: check [-o DIR] PHOTO...")
		os.Exit(2)
	}
	ctx := context.Background()
	allOK := true
	for _, path := range flag.Args() {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "check:", err)
			os.Exit(2)
		}
		rep, fixed, err := prevalidate.Fix(ctx, f, nil)
		f.Close()
		if err != nil {
			// The face models could not be loaded: the error says which
			// file, where it was looked for and how to provide it.
			fmt.Fprintln(os.Stderr, "check:", err)
			os.Exit(2)
		}
		codes := make([]string, 0, len(rep.Issues))
		for _, is := range rep.Issues {
			codes = append(codes, string(is.Code))
		}
		fmt.Printf("%s: ok=%v input issues: %s\n", path, rep.OK, strings.Join(codes, " "))
		allOK = allOK && rep.OK
		if *out != "" && rep.OK {
			if err := os.MkdirAll(*out, 0o755); err != nil {
				fmt.Fprintln(os.Stderr, "check:", err)
				os.Exit(2)
			}
			name := filepath.Join(*out, strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))+".jpg")
			if err := os.WriteFile(name, fixed, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "check:", err)
				os.Exit(2)
			}
		}
	}
	if !allOK {
		os.Exit(1)
	}
}
