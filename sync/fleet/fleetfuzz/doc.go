// Package fleetfuzz holds the fuzz targets for what sync/fleet reads from
// outside (shares and pull answers from the hub), apart from fleet's other
// tests: those need the ledger and the hub, whose cgo SQLite a fuzzing
// build would recompile with coverage instrumentation.
//
//	go test -run '^$' -fuzz FuzzOpen -fuzztime 5m ./sync/fleet/fleetfuzz
//	go test -run '^$' -fuzz FuzzShare -fuzztime 5m ./sync/fleet/fleetfuzz
package fleetfuzz
