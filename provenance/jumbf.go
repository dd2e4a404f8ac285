package provenance

import (
	"bytes"
	"strings"

	"github.com/facegate/facegate/internal/bmff"
)

// JUMBF (ISO/IEC 19566-5) as C2PA stores a manifest store in it: a tree of
// superboxes ("jumb"), each opened by a description box ("jumd": a type
// UUID, toggles, a label) and holding content boxes ("cbor", "json", ...)
// or more superboxes. A manifest store is labelled "c2pa"; each manifest
// in it ("c2ma" type) holds an assertion store ("c2pa.assertions") whose
// assertions are superboxes labelled by name ("c2pa.actions",
// "c2pa.actions.v2", ...), and a claim ("c2pa.claim", "c2pa.claim.v2").
//
// Bounds: the tree is read three levels deep (store, manifest, assertion
// store, assertion), over at most maxBoxes boxes; every length is checked
// against its parent.
const (
	maxBoxes = 1 << 14
	// A record lists at most maxActions actions and maxListed labels and
	// generators (a store may hold more; Manifests counts them all).
	maxActions = 64
	maxListed  = 16
)

// A box is one JUMBF box: its type and its body.
type box struct {
	typ  string
	body []byte
}

// jumbfBoxes splits b into sibling boxes (bmff.Each), at most maxBoxes
// counted in *count over a whole store. A box that runs past b ends the
// list with an error.
func jumbfBoxes(b []byte, count *int) ([]box, error) {
	var out []box
	var err error
	if e := bmff.Each(b, func(typ string, body []byte) bool {
		*count++
		if *count > maxBoxes {
			err = malformed("JUMBF: more than %d boxes", maxBoxes)
			return false
		}
		out = append(out, box{typ, body})
		return true
	}); e != nil {
		err = malformed("JUMBF: %v", e)
	}
	return out, err
}

// superbox is a "jumb" box read: its description and its content boxes.
type superbox struct {
	uuid    [16]byte
	label   string
	content []box
}

// readSuperbox reads a jumb box's body: the jumd box first, then the rest.
func readSuperbox(body []byte, count *int) (superbox, error) {
	var sb superbox
	boxes, err := jumbfBoxes(body, count)
	if len(boxes) == 0 || boxes[0].typ != "jumd" {
		if err == nil {
			err = malformed("JUMBF: superbox without a description box")
		}
		return sb, err
	}
	d := boxes[0].body
	if len(d) < 17 {
		return sb, malformed("JUMBF: description box of %d bytes", len(d))
	}
	copy(sb.uuid[:], d[:16])
	if toggles := d[16]; toggles&0x02 != 0 {
		rest := d[17:]
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			rest = rest[:i]
		}
		sb.label = clean(string(rest))
	}
	sb.content = boxes[1:]
	return sb, err
}

// C2PA's superbox type UUIDs begin with these four characters.
const (
	typeStore    = "c2pa" // the manifest store
	typeManifest = "c2ma" // a standard manifest
	typeUpdate   = "c2um" // an update manifest
)

// readManifestStore reads a C2PA manifest store (a JUMBF superbox, its
// box header included) into m: the manifests in the order stored (the
// active one last), each one's actions and claim generator.
func readManifestStore(j []byte) (*C2PA, error) {
	count := 0
	top, err := jumbfBoxes(j, &count)
	if len(top) == 0 || top[0].typ != "jumb" {
		if err == nil {
			err = malformed("JUMBF: no superbox")
		}
		return nil, err
	}
	store, err := readSuperbox(top[0].body, &count)
	if err != nil && len(store.content) == 0 {
		return nil, err
	}
	if string(store.uuid[:4]) != typeStore {
		return nil, malformed("JUMBF: superbox %q is not a C2PA manifest store", store.label)
	}
	c := &C2PA{}
	for _, mb := range store.content {
		if mb.typ != "jumb" {
			continue
		}
		man, merr := readSuperbox(mb.body, &count)
		if t := string(man.uuid[:4]); t != typeManifest && t != typeUpdate {
			err = firstErr(err, merr)
			continue
		}
		c.Manifests++
		if len(c.Labels) < maxListed {
			c.Labels = append(c.Labels, man.label)
		}
		err = firstErr(err, merr)
		err = firstErr(err, c.readManifest(man, &count))
	}
	return c, err
}

// readManifest adds one manifest's actions and claim generator to c.
func (c *C2PA) readManifest(man superbox, count *int) error {
	var err error
	for _, b := range man.content {
		if b.typ != "jumb" {
			continue
		}
		sb, serr := readSuperbox(b.body, count)
		err = firstErr(err, serr)
		switch {
		case sb.label == "c2pa.assertions":
			for _, ab := range sb.content {
				if ab.typ != "jumb" {
					continue
				}
				as, aerr := readSuperbox(ab.body, count)
				err = firstErr(err, aerr)
				if isActions(as.label) {
					err = firstErr(err, c.readActions(as))
				}
			}
		case strings.HasPrefix(sb.label, "c2pa.claim"):
			err = firstErr(err, c.readClaim(sb))
		}
	}
	return err
}

// isActions reports whether an assertion's label is an actions assertion
// ("c2pa.actions", "c2pa.actions.v2", and their numbered repeats
// "c2pa.actions__1").
func isActions(label string) bool {
	base, _, _ := strings.Cut(label, "__")
	return base == "c2pa.actions" || base == "c2pa.actions.v2"
}

// cborOf is the decoded content of a superbox's cbor box, if it has one.
func cborOf(sb superbox) (any, bool, error) {
	for _, b := range sb.content {
		if b.typ == "cbor" {
			v, err := decodeCBOR(b.body)
			return v, err == nil, err
		}
	}
	return nil, false, nil
}

// readActions adds an actions assertion's actions to c.
func (c *C2PA) readActions(sb superbox) error {
	v, ok, err := cborOf(sb)
	if !ok {
		return err
	}
	m, _ := v.(map[string]any)
	list, _ := m["actions"].([]any)
	for _, a := range list {
		am, ok := a.(map[string]any)
		if !ok {
			continue
		}
		act := Action{Action: clean(text(am["action"])), SourceType: sourceName(text(am["digitalSourceType"])), Software: agent(am["softwareAgent"])}
		if p, ok := am["parameters"].(map[string]any); ok && act.SourceType == "" {
			// v1 actions may carry the source type among their parameters.
			act.SourceType = sourceName(text(p["digitalSourceType"]))
		}
		if act.Action != "" && len(c.Actions) < maxActions {
			c.Actions = append(c.Actions, act)
		}
	}
	return nil
}

// readClaim adds a claim's generator to c: claim_generator (a text, v1)
// or claim_generator_info's names (a map or a list of maps).
func (c *C2PA) readClaim(sb superbox) error {
	v, ok, err := cborOf(sb)
	if !ok {
		return err
	}
	m, _ := v.(map[string]any)
	name := text(m["claim_generator"])
	if name == "" {
		switch info := m["claim_generator_info"].(type) {
		case map[string]any:
			name = agent(info)
		case []any:
			if len(info) > 0 {
				name = agent(info[0])
			}
		}
	}
	if name != "" && len(c.Generators) < maxListed {
		c.Generators = append(c.Generators, clean(name))
	}
	return nil
}

// agent is a softwareAgent or generator entry's name: a text, or a map's
// "name" with its "version".
func agent(v any) string {
	switch v := v.(type) {
	case string:
		return clean(v)
	case map[string]any:
		s := text(v["name"])
		if ver := text(v["version"]); ver != "" && s != "" {
			s += " " + ver
		}
		return clean(s)
	}
	return ""
}

func text(v any) string {
	s, _ := v.(string)
	return s
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
