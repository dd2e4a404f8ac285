package provenance

import (
	"fmt"
	"slices"
	"strings"
)

// GeneratedSources are the IPTC digital source types that say an image is
// not a photograph of something real: made by a generative model, by an
// algorithm, or by a person with software, or composited from such parts.
var GeneratedSources = []string{
	"trainedAlgorithmicMedia",
	"compositeWithTrainedAlgorithmicMedia",
	"algorithmicMedia",
	"compositeSynthetic",
	"digitalArt",
	"digitalCreation",
	"virtualRecording",
	"dataDrivenMedia",
}

// EditedSources are the source types of a photograph that was retouched,
// enhanced or composited afterwards.
var EditedSources = []string{
	"algorithmicallyEnhanced",
	"compositeCapture",
	"composite",
	"humanEdits",
	"minorHumanEdits",
}

// EditingActions are the C2PA actions that change what a photo shows
// (cropping, resizing, orienting, converting and the like do not).
var EditingActions = []string{
	"c2pa.color_adjustments",
	"c2pa.filtered",
	"c2pa.drawing",
	"c2pa.edited",
	"c2pa.placed",
	"c2pa.removed",
}

// Editors are photo editors and beauty, face-filter and generative apps,
// as they name themselves in EXIF's Software, XMP's CreatorTool or a C2PA
// software agent. A name matches a declared one at a word's start,
// ignoring case ("Adobe Photoshop 25.0 (Windows)" is Photoshop's;
// "Facetune2" is Facetune's).
var Editors = []string{
	"Photoshop", "Lightroom", "GIMP", "Affinity Photo", "Pixelmator", "Paint.NET",
	"Luminar", "PhotoDirector", "Fotor", "Canva", "PicsArt", "Snapseed", "VSCO",
	"Facetune", "Meitu", "BeautyPlus", "BeautyCam", "FaceApp", "YouCam", "AirBrush",
	"B612", "SNOW", "Perfect365", "Remini", "Lensa", "Prisma", "Retouch", "FaceTune",
	"Instagram", "Snapchat", "CapCut", "PhotoRoom", "Picsart",
	"Midjourney", "DALL-E", "DALL·E", "Stable Diffusion", "Firefly", "Imagen", "Gemini",
}

// Editor returns the entry of Editors that names software, if any.
func Editor(software string) (string, bool) {
	s := strings.ToLower(software)
	for _, e := range Editors {
		le := strings.ToLower(e)
		for from := 0; ; {
			i := strings.Index(s[from:], le)
			if i < 0 {
				break
			}
			i += from
			startOK := i == 0 || !isLetter(s[i-1])
			end := i + len(le)
			endOK := end == len(s) || !isLetter(s[end])
			if startOK && endOK {
				return e, true
			}
			from = i + 1
		}
	}
	return "", false
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Generated is the evidence, one line each, that d declares the image
// generated: a generated source type (in XMP or in a C2PA action). nil
// when it declares none.
func (d *Declared) Generated() []string {
	if d == nil {
		return nil
	}
	return d.declared(GeneratedSources, nil)
}

// Edited is the evidence that d declares the image edited: an edited
// source type, a C2PA editing action, or an editor among its software.
func (d *Declared) Edited() []string {
	if d == nil {
		return nil
	}
	out := d.declared(EditedSources, EditingActions)
	for _, s := range d.Software {
		if e, ok := Editor(s); ok {
			out = append(out, fmt.Sprintf("software %q (%s)", s, e))
		}
	}
	return out
}

// declared is the evidence lines for a class of declarations: each C2PA
// action whose source type is among sources or whose name is among
// actions (each line once), then each declared source type among sources
// that no action's line already names (as XMP's).
func (d *Declared) declared(sources, actions []string) []string {
	var out []string
	if d.C2PA != nil {
		for _, a := range d.C2PA.Actions {
			if l := actionLine(a); (slices.Contains(sources, a.SourceType) || slices.Contains(actions, a.Action)) && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	for _, s := range d.SourceTypes {
		if slices.Contains(sources, s) && !slices.ContainsFunc(out, func(l string) bool { return strings.Contains(l, "source "+s) }) {
			out = append(out, "declared source "+s+" (XMP)")
		}
	}
	return out
}

func actionLine(a Action) string {
	l := "C2PA action " + a.Action
	if a.SourceType != "" {
		l += ", source " + a.SourceType
	}
	if a.Software != "" {
		l += fmt.Sprintf(", by %q", a.Software)
	}
	return l
}
