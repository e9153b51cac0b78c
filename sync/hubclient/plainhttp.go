package hubclient

import (
	"net/netip"
	"net/url"
	"strings"
)

// PlainHTTPWarning returns a warning for pairing over plain HTTP with a
// hub that is not on this machine: the pairing answer carries the kiosk's
// signing secret, readable by anyone on the network path. It returns ""
// for https:// and for loopback hosts (localhost, 127.0.0.0/8, ::1).
func PlainHTTPWarning(hubURL string) string {
	u, err := url.Parse(hubURL)
	if err != nil || !strings.EqualFold(u.Scheme, "http") {
		return ""
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return ""
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Unmap().IsLoopback() {
		return ""
	}
	return "pairing over plain HTTP with " + u.Host +
		": the kiosk's signing secret crosses the network unencrypted; use https:// (hub serve --tls-self-signed DIR) and --ca"
}
