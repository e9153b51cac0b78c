// Package reliability holds the sync system's load and fault tests: many
// kiosks against one hub on loopback for both stores, a hub SIGKILLed
// mid-batch, a proxy that cuts connections, batches delivered twice. It
// has no code of its own; see reliability_test.go and BENCHMARKS.md.
package reliability
