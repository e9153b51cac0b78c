package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clockface/sync/hub"
	"clockface/sync/wire"
)

// TestHubDirectoryCLI: sites, placement and status changes from the CLI
// land in the hub store, audited, and bad input changes nothing.
func TestHubDirectoryCLI(t *testing.T) {
	data := t.TempDir()
	db := filepath.Join(data, "hub.db")
	seedHub(t, db, []wire.Employee{{Number: "E1", Name: "Ana Ruiz"}, {Number: "E2", Name: "Bo Li"}})

	steps := []struct {
		args []string
		want string
	}{
		{[]string{"hub", "site", "add", "front", "Front shop"}, "added site front (Front shop)"},
		{[]string{"hub", "site", "assign", "k1", "front"}, `kiosk k1: site "front"`},
		{[]string{"hub", "employee", "place", "E1", "--site", "front", "--department", "kitchen"}, `E1: site "front", department "kitchen"`},
		{[]string{"hub", "employee", "place", "E1", "--department", "bar"}, `E1: site "front", department "bar"`},
		{[]string{"hub", "employee", "restrict", "E2", "--reason", "camera shy"}, "restrict E2: change"},
		{[]string{"hub", "employee", "terminate", "E1", "--reason", "left the company"}, "terminate E1: change"},
		{[]string{"hub", "site", "list"}, "front  Front shop"},
	}
	for _, s := range steps {
		if got := mustCLI(t, data, "", append(s.args, "--db", db)...); !strings.Contains(got, s.want) {
			t.Fatalf("%v: stdout %q, want %q", s.args, got, s.want)
		}
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"hub", "employee", "unrestrict", "E1", "--reason", "back"}, "final"},
		{[]string{"hub", "employee", "terminate", "E9", "--reason", "who"}, "E9"},
		{[]string{"hub", "employee", "restrict", "E2"}, `"reason" not set`},
		{[]string{"hub", "employee", "place", "E2"}, "nothing to set"},
		{[]string{"hub", "site", "add", "Front Shop!", "x"}, "lower-case"},
	}
	for _, b := range bad {
		r := runCLI(t, data, "", append(b.args, "--db", db)...)
		if r.code == 0 || !strings.Contains(r.stderr, b.want) {
			t.Fatalf("%v: exit %d, stderr %q; want a failure saying %q", b.args, r.code, r.stderr, b.want)
		}
	}

	ctx := context.Background()
	st, err := hub.OpenSQLite(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.PlacementOf(ctx, "E1")
	if err != nil || p != (hub.Placement{Site: "front", Department: "bar"}) {
		t.Fatalf("placement %+v, %v; want front/bar", p, err)
	}
	ds, err := st.Downstream(ctx, "k1", 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ds.Changes {
		got = append(got, c.Action+" "+c.Employee)
	}
	if want := "restrict E2,terminate E1"; strings.Join(got, ",") != want {
		t.Fatalf("changes for the kiosk %v, want %s", got, want)
	}
}
