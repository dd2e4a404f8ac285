package prevalidate

import (
	"context"
	"fmt"
	"io"
	"io/fs"
)

// stepRead takes the input: the bytes given (CheckBytes, FixBytes, the
// output verify checks), or at most MaxInputBytes read from the reader. A
// reader that knows its size (an *os.File, a bytes.Reader) is refused
// without reading when that size is over the limit; any other is read up
// to limit+1 bytes. Over the limit, the run ends with INPUT_TOO_LARGE.
func stepRead(_ context.Context, s *state) (bool, error) {
	limit := s.opts.MaxInputBytes
	if s.src == nil {
		s.m.Bytes = int64(len(s.data))
		if s.m.Bytes > limit {
			s.data = nil
			s.m.OverLimit = fmt.Sprintf("%d bytes, over the %d-byte input limit", s.m.Bytes, limit)
			return true, nil
		}
		return false, nil
	}
	r := s.src
	if n, ok := knownSize(r); ok && n > limit {
		s.m.Bytes = n
		s.m.OverLimit = fmt.Sprintf("%d bytes, over the %d-byte input limit", n, limit)
		return true, nil
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	s.m.Bytes = int64(len(data))
	if err != nil {
		s.m.ReadError = "read error: " + err.Error()
		return true, err
	}
	if int64(len(data)) > limit {
		s.m.OverLimit = fmt.Sprintf("more than %d bytes, over the %d-byte input limit", limit, limit)
		return true, nil
	}
	s.data = data
	return false, nil
}

// knownSize is the number of bytes r will yield, when r can tell.
func knownSize(r io.Reader) (int64, bool) {
	switch v := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer: unread bytes
		return int64(v.Len()), true
	case interface{ Stat() (fs.FileInfo, error) }:
		if st, err := v.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size(), true
		}
	}
	return 0, false
}
