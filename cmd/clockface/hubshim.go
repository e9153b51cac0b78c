package main

import (
	"context"
	"fmt"
	"time"

	"clockface"
	"clockface/attendance"
	"clockface/cmd/clockface/internal/cli"
	"clockface/ledger"
)

// env is the shared command environment with a's flag values, for the
// command groups under internal/.
func (a *app) env() *cli.App {
	return &cli.App{DataDir: a.dataDir, KeyFile: a.keyFile, ModelsDir: a.modelsDir, ModelName: a.modelName,
		JSONOut: a.jsonOut, KioskID: a.kioskID, TZ: a.tz, Stdin: a.stdin, Stdout: a.stdout, Stderr: a.stderr, Clock: a.clock}
}

func (a *app) openLedger(ctx context.Context) (*ledger.Ledger, error) { return a.env().OpenLedger(ctx) }

func (a *app) printJSON(v any) error { return cli.WriteJSON(a.stdout, v) }

func actor() string { return cli.Actor() }

func peopleTime(t time.Time, loc *time.Location) string { return cli.PeopleTime(t, loc) }

func parseSiteTime(s string, loc *time.Location) (time.Time, error) {
	return attendance.ParseSiteTime(s, loc)
}

func parseKind(s string) (clockface.PunchKind, error) {
	k, err := clockface.ParsePunchKind(s)
	if err != nil {
		return "", fmt.Errorf("--kind: %w", err)
	}
	return k, nil
}
