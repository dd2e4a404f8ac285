//go:build race

package main

// raceEnabled: under go test -race, the binary the tests run is built with
// the race detector too, so the CLI's own concurrency (batch workers, the
// server) is checked; a race makes it exit with status 66.
const raceEnabled = true
