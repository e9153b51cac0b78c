// Package hubclient is the kiosk side of the hub's HTTP API: pairing, the
// stored credential, and a client that signs every request (batches and
// template shares) and adopts the hub's clock on a stale timestamp.
package hubclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"clockface"
	"clockface/internal/atomicfile"
	"clockface/sync/wire"
)

// Credential is what pairing gives a kiosk, kept in DATA/hub.json (0600).
type Credential struct {
	HubURL  string `json:"hub_url"`
	KioskID string `json:"kiosk_id"`
	Secret  string `json:"secret"`           // base64url HMAC key
	CAPEM   string `json:"ca_pem,omitempty"` // the hub's private CA, if it has one
	// TimeZone is the site's IANA zone as the hub gave it at pairing
	// (empty if the hub had none configured).
	TimeZone string `json:"time_zone,omitempty"`
}

// LoadCredential reads a credential file.
func LoadCredential(path string) (Credential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Credential{}, fmt.Errorf("read hub credential (run `clockface sync pair` first): %w", err)
	}
	var c Credential
	if err := json.Unmarshal(data, &c); err != nil {
		return Credential{}, fmt.Errorf("hub credential %s: %w", path, err)
	}
	if c.HubURL == "" || c.KioskID == "" || c.Secret == "" {
		return Credential{}, fmt.Errorf("hub credential %s is incomplete", path)
	}
	return c, nil
}

// Save writes the credential atomically with mode 0600.
func (c Credential) Save(path string) error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save hub credential: %w", err)
	}
	return nil
}

// HTTPClient returns an HTTP client that trusts caPEM (if given) instead
// of the system roots.
func HTTPClient(caPEM string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 60 * time.Second
	if caPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("hub CA: no certificate in PEM")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, CipherSuites: wire.AEADCipherSuites()}
	}
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}, nil
}

// Pair exchanges a one-time code for this kiosk's credential.
func Pair(ctx context.Context, hc *http.Client, hubURL, code, kioskID, caPEM string) (Credential, error) {
	body, err := json.Marshal(wire.PairRequest{Code: code, KioskID: kioskID})
	if err != nil {
		return Credential{}, err
	}
	base := strings.TrimRight(hubURL, "/")
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+wire.PathPair, bytes.NewReader(body))
	if err != nil {
		return Credential{}, fmt.Errorf("pair: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return Credential{}, fmt.Errorf("pair: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Credential{}, hubError(resp)
	}
	var pr wire.PairResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&pr); err != nil {
		return Credential{}, fmt.Errorf("pair: bad answer: %w", err)
	}
	return Credential{HubURL: base, KioskID: pr.KioskID, Secret: pr.Secret, CAPEM: caPEM, TimeZone: pr.TimeZone}, nil
}

// HubError is a non-2xx answer from the hub.
type HubError struct {
	Status  int
	Code    string
	Message string
	HubTime time.Time
}

func (e *HubError) Error() string {
	return fmt.Sprintf("hub: %d %s: %s", e.Status, e.Code, e.Message)
}

// Temporary reports whether resending the same request later may work.
func (e *HubError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Code == wire.CodeStale || e.Code == wire.CodeReplay
}

func hubError(resp *http.Response) error {
	var er wire.ErrorResponse
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if json.Unmarshal(data, &er) != nil || er.Code == "" {
		er.Error = strings.TrimSpace(string(data))
	}
	return &HubError{Status: resp.StatusCode, Code: er.Code, Message: er.Error, HubTime: er.HubTime}
}

// Client signs and sends batches for one kiosk.
//
// Clock policy: requests are signed with the kiosk clock plus an offset.
// The offset starts at zero; when the hub answers stale_timestamp it
// carries its own time, the client sets offset = hub time − kiosk clock
// and resends once at once. So a kiosk whose clock jumped (dead RTC
// battery, DST bug, manual change) keeps syncing, and the batch's
// kiosk_clock field still reports the raw kiosk clock so the hub flags
// the skew for a human to fix. The offset is never applied to punch times.
type Client struct {
	base   string
	kiosk  string
	secret []byte
	hc     *http.Client
	clock  clockface.Clock

	mu     sync.Mutex
	offset time.Duration
}

// NewClient returns a client for a paired kiosk. hc may be nil.
func NewClient(c Credential, hc *http.Client, clock clockface.Clock) (*Client, error) {
	secret, err := decodeSecret(c.Secret)
	if err != nil || len(secret) < 16 {
		return nil, errors.New("hub credential: bad secret")
	}
	if hc == nil {
		if hc, err = HTTPClient(c.CAPEM); err != nil {
			return nil, err
		}
	}
	return &Client{base: strings.TrimRight(c.HubURL, "/"), kiosk: c.KioskID, secret: secret, hc: hc, clock: clock}, nil
}

// KioskID is the kiosk this client signs for.
func (c *Client) KioskID() string { return c.kiosk }

// Offset is the current correction applied to the signing time.
func (c *Client) Offset() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.offset
}

// Send uploads one batch. On a stale_timestamp answer it adopts the hub's
// time and resends once.
func (c *Client) Send(ctx context.Context, b wire.Batch) (wire.BatchResponse, error) {
	var br wire.BatchResponse
	err := c.call(ctx, wire.PathBatches, b, &br)
	return br, err
}

// PushTemplates uploads sealed template shares (opt-in sharing).
func (c *Client) PushTemplates(ctx context.Context, shares []wire.TemplateShare) (int, error) {
	var r wire.TemplatePushResponse
	err := c.call(ctx, wire.PathTemplatesPush, wire.TemplatePush{KioskID: c.kiosk, Shares: shares}, &r)
	return r.Stored, err
}

// PullTemplates fetches shares stored after sequence number after.
func (c *Client) PullTemplates(ctx context.Context, after int64) (wire.TemplatePullResponse, error) {
	var r wire.TemplatePullResponse
	err := c.call(ctx, wire.PathTemplatesPull, wire.TemplatePull{KioskID: c.kiosk, After: after}, &r)
	return r, err
}

// Downstream asks the hub for the employee status changes after
// sequence number after and the other kiosks' last known states. The
// answer is outside input: it is read with wire.DecodeDownstream (at most
// wire.MaxDownstreamBytes, strictly, every value checked).
func (c *Client) Downstream(ctx context.Context, after int64) (wire.Downstream, error) {
	var d wire.Downstream
	err := c.call(ctx, wire.PathDownstream, wire.DownstreamRequest{KioskID: c.kiosk, After: after}, &d)
	return d, err
}

// call posts v as JSON to path, signed, and decodes the answer into out.
func (c *Client) call(ctx context.Context, path string, v, out any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode request: %w", err)
	}
	err = c.post(ctx, path, body, out)
	var he *HubError
	if errors.As(err, &he) && he.Code == wire.CodeStale && !he.HubTime.IsZero() {
		c.mu.Lock()
		c.offset = he.HubTime.Sub(c.clock.Now())
		c.mu.Unlock()
		err = c.post(ctx, path, body, out)
	}
	return err
}

func (c *Client) post(ctx context.Context, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	wire.Sign(req, body, c.kiosk, c.secret, c.clock.Now().Add(c.Offset()), wire.NewNonce())
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("post %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return hubError(resp)
	}
	if d, ok := out.(*wire.Downstream); ok {
		if *d, err = wire.DecodeDownstream(resp.Body, wire.MaxDownstreamBytes); err != nil {
			return fmt.Errorf("post %s: bad answer: %w", path, err)
		}
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, wire.MaxTemplateBody)).Decode(out); err != nil {
		return fmt.Errorf("post %s: bad answer: %w", path, err)
	}
	return nil
}
