// Package atomicfile writes a file the way every output of facegate is
// written: to a temporary file in the same folder, synced, then renamed
// over the target, so a reader never sees half a file and an interrupted
// run leaves the old one.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write writes name atomically with what write puts in it (mode 0644).
func Write(name string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".facegate-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
