package hubclient_test

import (
	"strings"
	"testing"

	"clockface/sync/hubclient"
)

func TestPlainHTTPWarning(t *testing.T) {
	tests := []struct {
		url  string
		warn bool
	}{
		{"https://hub.lan:8443", false},
		{"http://127.0.0.1:8080", false},
		{"http://127.3.4.5", false},
		{"http://[::1]:8080", false},
		{"http://localhost:8080", false},
		{"http://LOCALHOST", false},
		{"http://hub.lan:8080", true},
		{"http://192.168.1.10:8080", true},
		{"HTTP://hub.lan", true},
		{"http://[::ffff:10.0.0.1]:80", true},
	}
	for _, tt := range tests {
		got := hubclient.PlainHTTPWarning(tt.url)
		if (got != "") != tt.warn {
			t.Errorf("%s: got warning %q, want a warning: %v", tt.url, got, tt.warn)
		}
		if tt.warn && !strings.Contains(got, "https://") {
			t.Errorf("%s: warning %q does not say to use https://", tt.url, got)
		}
	}
}
