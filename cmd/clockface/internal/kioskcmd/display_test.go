package kioskcmd

import (
	"clockface/cmd/clockface/internal/cli"
	"errors"
	"strings"
	"testing"
)

func TestCheckDisplay(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	tests := []struct {
		name     string
		headless bool
		env      map[string]string
		ok       bool
	}{
		{"X11", false, map[string]string{"DISPLAY": ":0"}, true},
		{"Wayland", false, map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, true},
		{"headless", true, nil, true},
		{"none", false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDisplay(tt.headless, env(tt.env))
			if tt.ok {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ec cli.ExitCoder
			if !errors.As(err, &ec) || ec.ExitCode() != 2 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "--headless") {
				t.Fatalf("got %v, want one line naming --headless with exit status 2", err)
			}
		})
	}
}
