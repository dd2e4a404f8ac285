package provenance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// XMP limits: a packet is read up to MaxXMP bytes (an Extended XMP's
// chunks joined count together) and over at most maxXMPTokens tokens,
// maxXMPDepth elements deep.
const (
	MaxXMP       = 4 << 20
	maxXMPTokens = 1 << 18
	maxXMPDepth  = 64
)

// The XMP properties read, by local name (the namespaces vary with the
// writer: DigitalSourceType is Iptc4xmpExt's, CreatorTool xmp's,
// softwareAgent stEvt's in xmpMM:History, Software tiff's or exif's).
const (
	propSourceType = "DigitalSourceType"
	propCreator    = "CreatorTool"
	propSoftware   = "Software"
	propAgent      = "softwareAgent"
)

// ReadXMP adds what an XMP packet declares to d: digital source types and
// software names, from attributes (rdf's short form), element text, and
// rdf:resource values. A packet that is not well-formed is read up to the
// fault, which is returned.
func (d *Declared) ReadXMP(x []byte) error {
	if len(x) > MaxXMP {
		x = x[:MaxXMP]
	}
	d.addWhere("XMP")
	// HEIF items and padded packets may end (or begin) with NULs.
	// Some writers keep JPEG's APP1 prefix in a HEIF item.
	x = bytes.TrimPrefix(bytes.Trim(x, "\x00"), xmpJPEG)
	dec := xml.NewDecoder(bytes.NewReader(x))
	dec.Strict = false
	dec.Entity = map[string]string{} // no entities beyond XML's own
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var stack []string // local names of the open elements
	var textOf string  // the property whose text is being read, if any
	var buf strings.Builder
	for n := 0; ; n++ {
		if n > maxXMPTokens {
			return malformed("XMP: more than %d tokens", maxXMPTokens)
		}
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return malformed("XMP: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMPDepth {
				return malformed("XMP: nested more than %d deep", maxXMPDepth)
			}
			stack = append(stack, t.Name.Local)
			for _, a := range t.Attr {
				d.property(a.Name.Local, a.Value)
				// <Iptc4xmpExt:DigitalSourceType rdf:resource="..."/>
				if a.Name.Local == "resource" && isProperty(t.Name.Local) {
					d.property(t.Name.Local, a.Value)
				}
			}
			if isProperty(t.Name.Local) {
				textOf = t.Name.Local
				buf.Reset()
			} else if t.Name.Local == "li" && len(stack) >= 3 && isProperty(stack[len(stack)-3]) {
				// a property written as an rdf:Seq or rdf:Bag of values
				textOf = stack[len(stack)-3]
				buf.Reset()
			}
		case xml.CharData:
			if textOf != "" && buf.Len() < maxText*2 {
				buf.Write(t)
			}
		case xml.EndElement:
			if textOf != "" && buf.Len() > 0 {
				d.property(textOf, buf.String())
			}
			textOf = ""
			buf.Reset()
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
}

func isProperty(local string) bool {
	switch local {
	case propSourceType, propCreator, propSoftware, propAgent:
		return true
	}
	return false
}

func (d *Declared) property(local, value string) {
	switch local {
	case propSourceType:
		d.addSource(value)
	case propCreator, propSoftware, propAgent:
		d.AddSoftware(value)
	}
}
