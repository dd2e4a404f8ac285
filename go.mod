module github.com/facegate/facegate

go 1.26.0

require github.com/disintegration/imaging v1.6.2

require golang.org/x/image v0.47.0 // indirect
