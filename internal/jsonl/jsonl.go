// Package jsonl reads the lines of JSON Lines files facegate writes (batch
// journals, verdict journals) with a bound on what one line may hold, so
// a damaged or hostile file never makes a reader keep more than the bound.
package jsonl

import (
	"bufio"
	"bytes"
)

// ReadLine reads one line from br. It keeps at most limit+1 bytes of it
// (the rest is read and dropped: len(line) > limit says the line was too
// long), without its newline; whole says it ended with one; size counts
// every byte read for it, the newline included. err is nil for a whole
// line, and io.EOF (or the read error) for a last line without a newline,
// or when nothing is left (size 0).
func ReadLine(br *bufio.Reader, limit int) (line []byte, whole bool, size int64, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		size += int64(len(chunk))
		if len(line) <= limit {
			line = append(line, chunk[:min(len(chunk), limit+1-len(line))]...)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == nil {
			return bytes.TrimSuffix(line, []byte("\n")), true, size, nil
		}
		return line, false, size, err
	}
}
