package quality

// The luminance quantisation table of the JPEG standard (ITU T.81 Annex K,
// table K.1), in zigzag order as DQT stores it; IJG's quality q scales it
// by 5000/q (q < 50) or 200-2q percent.
var stdLuminance = [64]int{
	16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
	26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
	56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
	95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
}

// ijgTable is the table libjpeg writes for quality q (baseline: 1..255).
func ijgTable(q int) [64]int {
	scale := 200 - 2*q
	if q < 50 {
		scale = 5000 / q
	}
	var t [64]int
	for i, v := range stdLuminance {
		t[i] = min(max((v*scale+50)/100, 1), 255)
	}
	return t
}

// tolerance is the sum of absolute differences from the nearest scaled
// standard table, relative to that table's sum, under which a table counts
// as a scaled standard one. Encoders that round differently or tweak a few
// entries stay under it; tables designed from scratch do not.
const tolerance = 0.25

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// JPEGQuality estimates the IJG quality (1..100) a JPEG was encoded at
// from its luminance quantisation table: the quality whose scaled standard
// table is nearest. It returns -1 when data is not a JPEG, has no table
// 0, or its table is not a scaled standard one.
func JPEGQuality(data []byte) int {
	t, ok := lumaTable(data)
	if !ok {
		return -1
	}
	best, bestErr := -1, 0.0
	for q := 1; q <= 100; q++ {
		ref := ijgTable(q)
		var diff, sum int
		for i := range t {
			diff += abs(t[i] - ref[i])
			sum += ref[i]
		}
		e := float64(diff) / float64(sum)
		if best < 0 || e < bestErr {
			best, bestErr = q, e
		}
	}
	if bestErr > tolerance {
		return -1
	}
	return best
}

// lumaTable finds the DQT entry for table 0 before the first scan. Every
// length is checked against the data.
func lumaTable(b []byte) ([64]int, bool) {
	var t [64]int
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return t, false
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return t, false
		}
		m := b[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			i += 2
			continue
		}
		if m == 0xDA || m == 0xD9 { // start of scan, end of image: no table 0 before
			return t, false
		}
		n := int(b[i+2])<<8 | int(b[i+3])
		if n < 2 || i+2+n > len(b) {
			return t, false
		}
		if m == 0xDB {
			seg := b[i+4 : i+2+n]
			for len(seg) > 0 {
				pq, tq := seg[0]>>4, seg[0]&0x0F
				size := 64
				if pq == 1 {
					size = 128
				} else if pq != 0 {
					return t, false
				}
				if len(seg) < 1+size {
					return t, false
				}
				if tq == 0 {
					for k := range 64 {
						if pq == 0 {
							t[k] = int(seg[1+k])
						} else {
							t[k] = int(seg[1+2*k])<<8 | int(seg[2+2*k])
						}
						if t[k] == 0 {
							return t, false
						}
					}
					return t, true
				}
				seg = seg[1+size:]
			}
		}
		i += 2 + n
	}
	return t, false
}
