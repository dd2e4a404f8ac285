// Package provenance reads what an image file declares about how it was
// made: the IPTC digital source type (XMP's Iptc4xmpExt:DigitalSourceType,
// "trainedAlgorithmicMedia" for an image a generative model made), a C2PA
// manifest store's actions (JUMBF in a JPEG's APP11 segments, a PNG's caBX
// chunk, a WebP's C2PA chunk, or an ISO-BMFF file's C2PA uuid box: HEIF,
// AVIF) and the software the file names (XMP's CreatorTool, tiff:Software
// and history agents; C2PA's software agents and claim generator; the
// EXIF Software tag is read by package exif).
//
// It reads declarations, it does not verify them: a C2PA manifest's
// signature and its hash of the pixels are not checked (C2PA.Verified is
// always false), and a file that declares nothing may still be generated
// or edited. What a file declares is certain in one direction only: a
// generator that writes "trainedAlgorithmicMedia" means it.
//
// Every reader is bounded: lengths are checked against the bytes that hold
// them, the XMP and JUMBF trees have depth and item limits, compressed XMP
// is inflated to at most MaxXMP bytes, and nothing is allocated ahead of
// the input. No input makes it panic (see the fuzz targets).
package provenance

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Declared is what a file says about its making. The zero value declares
// nothing.
type Declared struct {
	// SourceTypes are the IPTC digital source types declared, by their
	// short names ("trainedAlgorithmicMedia", "digitalCapture"), each once,
	// in the order found.
	SourceTypes []string `json:"source_types,omitempty"`
	// Software are the programs the file names, each once: XMP's
	// CreatorTool, tiff:Software and history agents, C2PA's software
	// agents and claim generators (and, added by the caller, EXIF's
	// Software).
	Software []string `json:"software,omitempty"`
	// C2PA is the manifest store, when there is one.
	C2PA *C2PA `json:"c2pa,omitempty"`
	// Where lists the blocks read: "XMP", "C2PA (APP11)", ...
	Where []string `json:"where,omitempty"`
}

// C2PA is what a manifest store declares.
type C2PA struct {
	// Manifests is how many manifests the store holds (the active one is
	// the last); Labels their labels.
	Manifests int      `json:"manifests"`
	Labels    []string `json:"labels,omitempty"`
	// Actions are every manifest's actions, in the order stored.
	Actions []Action `json:"actions,omitempty"`
	// Generators are the claims' generators (the software that signed
	// each manifest).
	Generators []string `json:"generators,omitempty"`
	// Verified is whether the signature and the pixels' hash were checked:
	// never here (facegate reads what the file declares, offline).
	Verified bool `json:"signature_verified"`
}

// Action is one C2PA action: its name ("c2pa.created", "c2pa.edited",
// "c2pa.color_adjustments", ...), the digital source type it declares (a
// short name, "" for none) and the software agent that did it.
type Action struct {
	Action     string `json:"action"`
	SourceType string `json:"source_type,omitempty"`
	Software   string `json:"software,omitempty"`
}

// ErrMalformed is wrapped by every error about a block that cannot be read
// whole. What was read before it is still returned.
var ErrMalformed = errors.New("provenance: malformed metadata")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// sourceTypePrefix is the IPTC NewsCodes vocabulary the source types are
// named in.
const sourceTypePrefix = "http://cv.iptc.org/newscodes/digitalsourcetype/"

// sourceName is a digital source type's short name: the code after the
// vocabulary's address (https or http), or the value as it is when it is
// not one of IPTC's.
func sourceName(v string) string {
	v = strings.TrimSpace(v)
	for _, p := range []string{sourceTypePrefix, "https://cv.iptc.org/newscodes/digitalsourcetype/"} {
		if rest, ok := strings.CutPrefix(v, p); ok {
			return clean(rest)
		}
	}
	return clean(v)
}

// maxText caps a name or a value kept from a file.
const maxText = 128

// clean keeps printable text of at most maxText bytes.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxText {
		cut := maxText
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		s = s[:cut]
	}
	return s
}

func (d *Declared) addSource(v string) {
	if v = sourceName(v); v != "" && !slices.Contains(d.SourceTypes, v) && len(d.SourceTypes) < 16 {
		d.SourceTypes = append(d.SourceTypes, v)
	}
}

// AddSoftware adds a program's name to d.Software, once.
func (d *Declared) AddSoftware(v string) {
	if v = clean(v); v != "" && !slices.Contains(d.Software, v) && len(d.Software) < 16 {
		d.Software = append(d.Software, v)
	}
}

func (d *Declared) addWhere(v string) {
	if !slices.Contains(d.Where, v) {
		d.Where = append(d.Where, v)
	}
}

// Empty reports whether d declares nothing.
func (d *Declared) Empty() bool {
	return d == nil || (len(d.SourceTypes) == 0 && len(d.Software) == 0 && d.C2PA == nil)
}
