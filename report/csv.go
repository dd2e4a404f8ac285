package report

import (
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/facegate/facegate/prevalidate"
	"github.com/facegate/facegate/quality/iso"
)

// csvHeader is the CSV's first row. Face columns describe the largest
// face; they are empty when there is none.
var csvHeader = []string{"path", "ok", "codes", "width", "height", "bytes", "jpeg_quality", "faces",
	"face_size", "ipd", "yaw", "pitch", "roll", "sharpness", "exposure",
	"eyes_covered", "mouth_nose_covered", "forehead_covered", "human"}

// CSV writes a row per record: its verdict and the largest face's
// measures.
type CSV struct {
	f   *os.File
	w   *csv.Writer
	iso []string // the ISO components computed, when asked for
}

// NewCSV creates the CSV; with isoCols, each computed ISO/IEC 29794-5
// component of the largest face gets two columns as OFIQ's CSV names
// them: the native value (Name) and the quality component (Name.scalar).
func NewCSV(name string, isoCols bool) (*CSV, error) {
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	c := &CSV{f: f, w: csv.NewWriter(f)}
	header := slices.Clone(csvHeader)
	if isoCols {
		c.iso = iso.Computed()
		for _, n := range c.iso {
			header = append(header, n, n+".scalar")
		}
	}
	return c, c.w.Write(header)
}

func (c *CSV) Write(r *prevalidate.Report) error {
	codes := make([]string, 0, len(r.Issues))
	for _, is := range r.Issues {
		if is.Severity == prevalidate.SeverityError && !slices.Contains(codes, string(is.Code)) {
			codes = append(codes, string(is.Code))
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	row := []string{r.Path, strconv.FormatBool(r.OK), strings.Join(codes, " "), strconv.Itoa(r.Width), strconv.Itoa(r.Height),
		strconv.FormatInt(r.Bytes, 10), "", strconv.Itoa(len(r.Faces)), "", "", "", "", "", "", "", "", "", "", ""}
	if q := r.Quality; q != nil {
		row[6], row[13], row[14] = strconv.Itoa(q.JPEGQuality), f(q.Sharpness), f(q.Exposure.Mean)
	}
	if len(r.Faces) > 0 {
		fc := r.Faces[0]
		row[8], row[9], row[10], row[11], row[12] = f(fc.Size), f(fc.IPD), f(fc.Yaw), f(fc.Pitch), f(fc.Roll)
		if c := fc.Cover; c != nil {
			row[15], row[16], row[17], row[18] = f(c.Eyes()), f(c.MouthNose()), f(c.Forehead), f(c.Human)
		}
	} else if len(r.NotFaces) > 0 && r.NotFaces[0].Cover != nil {
		row[18] = f(r.NotFaces[0].Cover.Human) // why no face counted
	}
	for _, n := range c.iso {
		raw, score := "", ""
		if len(r.Faces) > 0 {
			if comp, ok := r.Faces[0].ISO[n]; ok && comp.Raw != nil {
				raw, score = f(*comp.Raw), f(*comp.Score)
			}
		}
		row = append(row, raw, score)
	}
	return c.w.Write(row)
}

func (c *CSV) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		c.f.Close()
		return err
	}
	return c.f.Close()
}
