package provenance

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const dir = "../testdata/provenance"

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestC2PAInJPEG(t *testing.T) {
	for _, c := range []struct {
		file      string
		manifests int
		sources   []string
		generated bool
		edited    string // an evidence line's part
		software  string
	}{
		{"c2pa_algorithmic.jpg", 1, []string{"algorithmicMedia"}, true, "", "Make Test Images 0.33.1"},
		{"c2pa_firefly.jpg", 2, []string{"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"}, true, "c2pa.edited", "Adobe Firefly"},
		{"c2pa_color_adjusted.jpg", 1, nil, false, "c2pa.color_adjustments", "make_test_images/0.33.1 c2pa-rs/0.33.1"},
	} {
		t.Run(c.file, func(t *testing.T) {
			d, err := Read(readFile(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if d.C2PA == nil || d.C2PA.Manifests != c.manifests || d.C2PA.Verified {
				t.Fatalf("C2PA %+v, want %d manifests, not verified", d.C2PA, c.manifests)
			}
			if !slices.Equal(d.SourceTypes, c.sources) {
				t.Errorf("source types %q, want %q", d.SourceTypes, c.sources)
			}
			if !slices.Contains(d.Software, c.software) {
				t.Errorf("software %q lacks %q", d.Software, c.software)
			}
			if gen := d.Generated(); (len(gen) > 0) != c.generated {
				t.Errorf("generated: %q, want %v", gen, c.generated)
			}
			ed := strings.Join(d.Edited(), "; ")
			if (c.edited == "") != (ed == "" || !strings.Contains(ed, "C2PA action")) || !strings.Contains(ed, c.edited) {
				t.Errorf("edited: %q, want a C2PA action %q", ed, c.edited)
			}
		})
	}
}

// jumbfOf is the manifest store of a JPEG fixture, reassembled from its
// APP11 segments as a reader does.
func jumbfOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var out []byte
	for i := 2; i+4 <= len(b) && b[i] == 0xff && b[i+1] != 0xda; {
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		p := b[i+4 : i+2+n]
		if b[i+1] == 0xeb && bytes.HasPrefix(p, []byte("JP")) {
			if out == nil {
				out = append(out, p[8:]...)
			} else {
				out = append(out, p[16:]...) // this fixture's continuations: LBox, TBox
			}
		}
		i += 2 + n
	}
	if binary.BigEndian.Uint32(out) != uint32(len(out)) {
		t.Fatalf("reassembled store of %d bytes declares %d", len(out), binary.BigEndian.Uint32(out))
	}
	return out
}

func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return append(c, 0, 0, 0, 0) // the CRC is not read
}

// withPNGChunks puts chunks after a real PNG's IHDR.
func withPNGChunks(t testing.TB, chunks ...[]byte) []byte {
	png, err := os.ReadFile("../testdata/samples/astronaut.png")
	if err != nil {
		t.Fatal(err)
	}
	at := 8 + 8 + 13 + 4
	out := append([]byte{}, png[:at]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, png[at:]...)
}

func riff(chunks ...[]byte) []byte {
	var body []byte
	body = append(body, "WEBP"...)
	for _, c := range chunks {
		body = append(body, c...)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func webpChunk(fourcc string, data []byte) []byte {
	c := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

func bmffBox(typ string, body []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	b = append(b, typ...)
	return append(b, body...)
}

// TestC2PAContainers reads one real manifest store from each container
// C2PA defines for images.
func TestC2PAContainers(t *testing.T) {
	store := jumbfOf(t, readFile(t, "c2pa_firefly.jpg"))
	uuidBody := append(append(append([]byte{}, c2paUUID...), 0, 0, 0, 0), "manifest\x00"...)
	uuidBody = append(append(uuidBody, make([]byte, 8)...), store...)
	for name, b := range map[string][]byte{
		"png":  withPNGChunks(t, pngChunk("caBX", store)),
		"webp": riff(webpChunk("VP8X", make([]byte, 10)), webpChunk("C2PA", store)),
		"heif": append(bmffBox("ftyp", []byte("heic\x00\x00\x00\x00mif1heic")), bmffBox("uuid", uuidBody)...),
	} {
		d, err := Read(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if d.C2PA == nil || d.C2PA.Manifests != 2 || !slices.Contains(d.SourceTypes, "trainedAlgorithmicMedia") || len(d.Generated()) == 0 {
			t.Errorf("%s: %+v", name, d)
		}
	}
}

const xmpAttr = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia" xmp:CreatorTool="Midjourney v6"/>
</rdf:RDF></x:xmpmeta>`

const xmpElements = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#">
<Iptc4xmpExt:DigitalSourceType rdf:resource="https://cv.iptc.org/newscodes/digitalsourcetype/algorithmicallyEnhanced"/>
<tiff:Software>Facetune2 2.20</tiff:Software>
<xmpMM:History><rdf:Seq><rdf:li stEvt:action="saved" stEvt:softwareAgent="Meitu 9.1"/><rdf:li rdf:parseType="Resource"><stEvt:softwareAgent>Snapseed 2.0</stEvt:softwareAgent></rdf:li></rdf:Seq></xmpMM:History>
</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`

func TestXMPForms(t *testing.T) {
	var d Declared
	if err := d.ReadXMP([]byte(xmpAttr)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.SourceTypes, []string{"trainedAlgorithmicMedia"}) || !slices.Equal(d.Software, []string{"Midjourney v6"}) {
		t.Errorf("attributes: %+v", d)
	}
	d = Declared{}
	if err := d.ReadXMP([]byte(xmpElements)); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.SourceTypes, []string{"algorithmicallyEnhanced"}) || !slices.Equal(d.Software, []string{"Facetune2 2.20", "Meitu 9.1", "Snapseed 2.0"}) {
		t.Errorf("elements: %+v", d)
	}
	if len(d.Generated()) != 0 || len(d.Edited()) != 4 {
		t.Errorf("generated %q, edited %q", d.Generated(), d.Edited())
	}
}

// TestXMPContainers reads an XMP packet from each container that holds
// one: a JPEG APP1 (main and extended), a PNG iTXt (plain and
// compressed), a WebP chunk, a HEIF item (a real iPhone photo's).
func TestXMPContainers(t *testing.T) {
	jpeg := readFile(t, "c2pa_color_adjusted.jpg")
	app1 := func(prefix []byte, body []byte) []byte {
		seg := []byte{0xff, 0xe1, 0, 0}
		binary.BigEndian.PutUint16(seg[2:], uint16(2+len(prefix)+len(body)))
		return append(append(seg, prefix...), body...)
	}
	withSegs := func(segs ...[]byte) []byte {
		out := append([]byte{}, jpeg[:2]...)
		for _, s := range segs {
			out = append(out, s...)
		}
		return append(out, jpeg[2:]...)
	}
	// Extended XMP: the packet in two chunks, the second first.
	full := []byte(xmpAttr)
	ext := func(off int, chunk []byte) []byte {
		h := append([]byte(strings.Repeat("0", 32)), binary.BigEndian.AppendUint32(nil, uint32(len(full)))...)
		h = binary.BigEndian.AppendUint32(h, uint32(off))
		return app1(xmpExtJPEG, append(h, chunk...))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(full)
	zw.Close()
	itxt := func(compressed bool, text []byte) []byte {
		flag := byte(0)
		if compressed {
			flag = 1
		}
		return pngChunk("iTXt", append(append([]byte("XML:com.adobe.xmp\x00"), flag, 0, 0, 0), text...))
	}
	for name, b := range map[string][]byte{
		"jpeg":          withSegs(app1(xmpJPEG, full)),
		"jpeg extended": withSegs(ext(0, full[:100]), ext(100, full[100:])),
		"png":           withPNGChunks(t, itxt(false, full)),
		"png zlib":      withPNGChunks(t, itxt(true, z.Bytes())),
		"webp":          riff(webpChunk("VP8X", make([]byte, 10)), webpChunk("XMP ", full)),
	} {
		d, err := Read(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !slices.Contains(d.SourceTypes, "trainedAlgorithmicMedia") || !slices.Contains(d.Software, "Midjourney v6") {
			t.Errorf("%s: %+v", name, d)
		}
	}
	// Extended XMP chunks out of order are joined only in order: the
	// second chunk first is dropped, the first alone is not well-formed.
	if d, _ := Read(withSegs(ext(100, full[100:]), ext(0, full[:100]))); len(d.SourceTypes) != 0 {
		t.Errorf("out-of-order chunks read as %+v", d)
	}
	heic := "../../shared/corpus/exif-samples/heic/IMG_5195.HEIC"
	if b, err := os.ReadFile(heic); err == nil {
		d, err := Read(b)
		if err != nil || !slices.Contains(d.Where, "XMP") || !slices.Contains(d.Software, "14.4.2") {
			t.Errorf("HEIF: %+v, %v", d, err)
		}
	} else if os.Getenv("CI") == "true" {
		t.Errorf("no corpus under CI: %v", err)
	} else {
		t.Logf("HEIF XMP not read: %v (no ../shared/corpus)", err)
	}
}

func TestEditor(t *testing.T) {
	for s, want := range map[string]string{
		"Adobe Photoshop 25.0 (Windows)":   "Photoshop",
		"Facetune2":                        "Facetune",
		"Adobe_Firefly adobe_c2pa/0.12.4":  "Firefly",
		"GIMP 2.10.34":                     "GIMP",
		"com.meitu.BeautyCam 11.2":         "Meitu",
		"SNOW 12.1":                        "SNOW",
		"Snowleopard Camera":               "",
		"HDR+ 1.0.540104767zd":             "",
		"14.4.2":                           "",
		"Nikon Transfer 1.1 W":             "",
		"GIMPS":                            "",
		"Picture Style Editor (Photoshop)": "Photoshop",
	} {
		if got, _ := Editor(s); got != want {
			t.Errorf("Editor(%q) = %q, want %q", s, got, want)
		}
	}
}

// TestDamaged cuts and corrupts the fixtures: every prefix and every
// flipped byte of the manifest region reads without a panic, and a store
// cut short is an ErrMalformed with what was read before it.
func TestDamaged(t *testing.T) {
	b := readFile(t, "c2pa_firefly.jpg")
	store := jumbfOf(t, b)
	for n := 0; n < len(store); n += 1 + n/50 {
		if _, err := readManifestStore(store[:n]); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: %v is not ErrMalformed", n, err)
		}
	}
	for i := 0; i < len(store); i += 1 + len(store)/600 {
		c := append([]byte{}, store...)
		c[i] ^= 0xa5
		readManifestStore(c)
	}
	for n := 0; n < 70000 && n < len(b); n += 997 {
		Read(b[:n])
	}
}

func TestCBOR(t *testing.T) {
	for _, c := range []struct {
		in   []byte
		want string
	}{
		{[]byte{0xa1, 0x61, 'a', 0x81, 0x01}, "map[a:[1]]"},
		{[]byte{0x9f, 0x20, 0xf9, 0x3c, 0x00, 0xf5, 0xf6, 0xff}, "[-1 1 true <nil>]"},
		{[]byte{0x7f, 0x62, 'a', 'b', 0x61, 'c', 0xff}, "abc"},
		{[]byte{0xc0, 0x63, 'x', 'y', 'z'}, "xyz"},
		{[]byte{0xfb, 0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18}, "3.141592653589793"},
	} {
		v, err := decodeCBOR(c.in)
		if err != nil {
			t.Errorf("% x: %v", c.in, err)
			continue
		}
		if got := strings.TrimSpace(strings.ReplaceAll(fmt.Sprint(v), "\n", "")); got != c.want {
			t.Errorf("% x: %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range [][]byte{
		{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // an array of 2^64-1 items
		{0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // a map as large
		{0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, // a string as large
		bytes.Repeat([]byte{0x81}, 100),                        // nested past the limit
		{0x1c},                                                 // reserved
		{0x7f, 0x01, 0xff},                                     // a bad chunk
	} {
		if _, err := decodeCBOR(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("% x: %v, want ErrMalformed", bad[:min(len(bad), 9)], err)
		}
	}
}

func FuzzRead(f *testing.F) {
	// Small seeds: the fuzzer minimises each new input it keeps, which
	// takes long on the stores' full size (their thumbnails).
	for _, name := range []string{"c2pa_algorithmic.jpg", "c2pa_firefly.jpg"} {
		b := readFile(f, name)
		f.Add(b[:min(len(b), 16<<10)])
		store := jumbfOf(f, b)
		f.Add(store[:min(len(store), 16<<10)])
	}
	f.Add([]byte(xmpElements))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _ := Read(b)
		d.Generated()
		d.Edited()
		readManifestStore(b)
		var x Declared
		x.ReadXMP(b)
		decodeCBOR(b)
	})
}
