// Package report renders facegate's records for people: the HTML report of
// a run (counts, failure codes, a histogram per measure the profile
// judges with its thresholds, the ISO/IEC 29794-5 section, and a gallery
// of failing images with their faces drawn), the CSV, the calibration
// page, and the comparison of two runs' ISO components. Every file is
// written atomically; thumbnails are decoded through prevalidate's own
// decoders and limits (prevalidate.DecodeUpright).
package report
