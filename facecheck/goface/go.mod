module github.com/facegate/facegate/facecheck/goface

go 1.26.0

require (
	github.com/Kagami/go-face v0.0.0-20210630145111-0c14797b4d0e
	github.com/facegate/facegate v0.0.0
)

require (
	github.com/disintegration/imaging v1.6.2 // indirect
	github.com/yalue/onnxruntime_go v1.27.0 // indirect
	golang.org/x/image v0.47.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

// Developed in the facegate repository: the parent module is this one's
// checkout. A user's go.mod names a facegate version instead.
replace github.com/facegate/facegate => ../..
