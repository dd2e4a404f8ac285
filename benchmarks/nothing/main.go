// Command nothing is the start-up baseline of benchmarks/startup.sh: a Go
// program that starts and exits, doing nothing.
package main

func main() {}
