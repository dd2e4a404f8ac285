package jsonl

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// Lines come back whole or cut at the bound, with their full size, and a
// last line without a newline says so.
func TestReadLine(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("ab\n"+strings.Repeat("x", 100)+"\ntail"), 16)
	for _, want := range []struct {
		line  string
		whole bool
		size  int64
		err   error
	}{{"ab", true, 3, nil}, {strings.Repeat("x", 11), true, 101, nil}, {"tail", false, 4, io.EOF}, {"", false, 0, io.EOF}} {
		line, whole, size, err := ReadLine(br, 10)
		if string(line) != want.line || whole != want.whole || size != want.size || err != want.err {
			t.Errorf("got %q %v %d %v, want %+v", line, whole, size, err, want)
		}
	}
}
