package models

import _ "embed"

// Recapture is facegate's re-capture model: the two MiniFASNet networks of
// minivision-ai/Silent-Face-Anti-Spoofing (Apache-2.0) exported as one
// ONNX graph; models/recapture/README.md says how. It is built into the
// program; Options.Path or Options.Dir load another copy instead.
var Recapture = Model{
	File:    "recapture.onnx",
	SHA256:  "96edb5b0811ae929d3959d581666b737047676c894772cb2c5d6d7ca82be2043",
	Install: "built into facegate (models/recapture in its source)",
	Licence: "Apache-2.0 (MiniFASNet, minivision-ai/Silent-Face-Anti-Spoofing)",
	Env:     "FACEGATE_RECAPTURE",
}

//go:embed recapture/recapture.onnx
var recapture []byte

// RecaptureBytes returns the re-capture model: the file at opts.Path or in
// opts.Dir when one is given (its SHA-256 checked unless opts.SkipVerify),
// else the copy built into the program.
func RecaptureBytes(opts *Options) ([]byte, string, error) {
	return builtInOr(Recapture, recapture, "re-capture model", opts)
}
