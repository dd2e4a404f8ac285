package testsupport

// Native says whether this build links facegate's native libraries (dlib,
// ONNX Runtime, libjpeg-turbo, libheif), which need cgo. A build with
// CGO_ENABLED=0 has the rules, reports, EXIF, the client and the batch
// code, but cannot find faces or use libjpeg-turbo.

import (
	"os"
	"testing"
)

// RequireNative skips t in a build without cgo, saying why. Under CI (CI=true)
// such a build is a failure instead: CI tests the native libraries.
func RequireNative(t testing.TB) {
	t.Helper()
	if Native {
		return
	}
	msg := "needs the native libraries (dlib, ONNX Runtime, libjpeg-turbo, libheif), and this test binary was built without cgo (CGO_ENABLED=0)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
