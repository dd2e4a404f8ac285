package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/facegate/facegate/prevalidate"
)

// input is one file to process.
type input struct {
	path    string // to open
	display string // as the user gave it (or below a folder they gave)
	rel     string // below the folder given, "" for a file given directly
}

var imageExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true, ".webp": true, ".bmp": true,
	".tif": true, ".tiff": true, ".heic": true, ".heif": true, ".gif": true,
}

// collect expands the paths: files as given, folders walked recursively for
// files with an image extension or image magic bytes, in lexical order. A
// path that does not exist is a usage error.
func collect(paths []string) ([]input, error) {
	var out []input
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, input{path: p, display: p})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walk %s: %w", path, err)
			}
			if d.IsDir() || !d.Type().IsRegular() || !looksLikeImage(path) {
				return nil
			}
			rel, _ := filepath.Rel(p, path)
			out = append(out, input{path: path, display: path, rel: rel})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func looksLikeImage(path string) bool {
	if imageExts[strings.ToLower(filepath.Ext(path))] {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, prevalidate.SniffLen)
	n, _ := io.ReadFull(f, head)
	return prevalidate.Sniff(head[:n]) != prevalidate.FormatUnknown
}
