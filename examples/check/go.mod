module example.com/facegate-check

go 1.26.0

require github.com/facegate/facegate v0.0.0

require (
	github.com/disintegration/imaging v1.6.2 // indirect
	github.com/yalue/onnxruntime_go v1.27.0 // indirect
	golang.org/x/image v0.47.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

// Inside the repository: the checkout itself. A program of your own names
// a released version instead (or its own replace to a checkout).
replace github.com/facegate/facegate => ../..
