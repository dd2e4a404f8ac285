package iso

import (
	"fmt"
	"image"
)

// Measure a face: here a drawn one on a flat grey photo (template is the
// tests' 68-point face; in facegate the points are dlib's). Components that
// need one of OFIQ's networks come back with How "none" and the reason.
func ExampleMeasure() {
	img := grey(616, 616, 128)
	face := Face{Box: image.Rect(200, 200, 420, 420), Landmarks: template(17, 0), Yaw: 10}
	c, err := Measure(img, []Face{face}, 0, Options{})
	if err != nil {
		panic(err)
	}
	for _, name := range []string{LuminanceMean, EyesOpen, InterEyeDistance, HeadPoseYaw, UnifiedQualityScore} {
		m := c[name]
		if m.How == HowNone {
			fmt.Printf("%s (%s): not computed, %s\n", name, m.ID, m.Why)
			continue
		}
		fmt.Printf("%s (%s, %s): raw %.4g, score %g\n", name, m.ID, m.How, *m.Raw, *m.Score)
	}
	// Output:
	// LuminanceMean (0x44, ofiq): raw 0.2157, score 58
	// EyesOpen (0x4d, ofiq): raw 0.1259, score 100
	// InterEyeDistance (0x52, ofiq): raw 114.7, score 90
	// HeadPoseYaw (0x58, facegate): raw 10, score 97
	// UnifiedQualityScore (0x41): not computed, needs OFIQ's MagFace network
}
