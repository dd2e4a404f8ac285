package prevalidate

import (
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"

	"github.com/facegate/facegate/internal/testsupport"
	"github.com/facegate/facegate/provenance"
)

// withXMP puts an XMP packet in an APP1 segment after a JPEG's SOI.
func withXMP(jpeg []byte, xmp string) []byte {
	prefix := "http://ns.adobe.com/xap/1.0/\x00"
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(2+len(prefix)+len(xmp)))
	out := append([]byte{}, jpeg[:2]...)
	out = append(append(append(out, seg...), prefix...), xmp...)
	return append(out, jpeg[2:]...)
}

const generatedXMP = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
	`<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"` +
	` Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>`

// A real C2PA file that declares a generative model made it: AI_GENERATED,
// an error, its evidence and that the signature was not verified in the
// message, the declaration in the record.
func TestDeclaredGenerated(t *testing.T) {
	b, err := os.ReadFile("../testdata/provenance/c2pa_firefly.jpg")
	if err != nil {
		t.Fatal(err)
	}
	rep := checkBytes(t, b, &Options{Profile: Document()})
	is := issueOf(rep, AIGenerated)
	if is == nil || is.Severity != SeverityError || rep.OK {
		t.Fatalf("issues %v, ok %v", rep.Issues, rep.OK)
	}
	for _, want := range []string{"trainedAlgorithmicMedia", "Adobe Firefly", "signature not verified"} {
		if !strings.Contains(is.Message, want) {
			t.Errorf("message %q lacks %q", is.Message, want)
		}
	}
	if p := rep.Provenance; p == nil || p.C2PA == nil || p.C2PA.Manifests != 2 || p.C2PA.Verified {
		t.Errorf("record's provenance %+v", rep.Provenance)
	}
}

// A clear portrait that passes, declared generated in its XMP: check
// refuses it, and fix, whose output carries no metadata, still does.
// The same portrait names Photoshop as its software: EDITED, a warning
// that leaves it ok. A profile file may lower AI_GENERATED to a warning.
func TestGeneratedPortraitStaysRefused(t *testing.T) {
	testsupport.RequireNative(t)
	src, err := os.ReadFile(testsupport.CorpusPath(t, "faces-fr/obama.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	clean := checkBytes(t, src, nil)
	if !clean.OK || clean.Has(AIGenerated) {
		t.Fatalf("the portrait as it is: ok %v, %v", clean.OK, clean.Codes())
	}
	ed := issueOf(clean, Edited)
	if ed == nil || ed.Severity != SeverityWarning || !strings.Contains(ed.Message, "Photoshop") {
		t.Errorf("EDITED %+v", ed)
	}
	gen := withXMP(src, generatedXMP)
	rep := checkBytes(t, gen, nil)
	if rep.OK || !rep.Has(AIGenerated) {
		t.Errorf("check: ok %v, %v", rep.OK, rep.Codes())
	}
	frep, out, err := FixBytes(context.Background(), gen, nil)
	if err != nil || out == nil {
		t.Fatalf("fix: %v", err)
	}
	if frep.OK || !outputHas(frep.Output, AIGenerated) {
		t.Errorf("fix: ok %v, output issues %v", frep.OK, frep.Output.Issues)
	}
	if d, _ := provenance.Read(out); !d.Empty() {
		t.Errorf("the output declares %+v", d)
	}
	p, err := ParseProfile([]byte(`{"facegate_profile": 1, "name": "lenient", "rules": [{"code": "AI_GENERATED", "severity": "warning"}, {"code": "FACE_NOT_FOUND"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if rep := checkBytes(t, gen, &Options{Profile: p}); !rep.OK || issueOf(rep, AIGenerated).Severity != SeverityWarning {
		t.Errorf("lenient profile: ok %v, %v", rep.OK, rep.Issues)
	}
}

func outputHas(o *Output, c Code) bool {
	for _, is := range o.Issues {
		if is.Code == c {
			return true
		}
	}
	return false
}
