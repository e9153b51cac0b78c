package hub

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"clockface"
	"clockface/sync/wire"
)

// ServerStore is what the HTTP API reads and writes: kiosk credentials
// (pairing, signature checks), ingest, template shares and health.
type ServerStore interface {
	Pairing
	Ingest
	Fleet
	Health
	Downstreams
	// SiteZone is the site's time zone for the pairing answer ("" unset).
	SiteZone(ctx context.Context) (string, error)
}

// Limits bound what unauthenticated or slow clients can make the hub
// hold. DefaultLimits are the production values; tests pass smaller ones.
type Limits struct {
	// BodyReads is how many request bodies are read at once, across all
	// kiosks. A body is read only after its signature header names a
	// paired kiosk; a request beyond the cap gets 503 busy (kiosks retry).
	BodyReads int
	// Conns caps open connections (ListenAndServe).
	Conns int
	// BodyReadTimeout is how long one body may take to arrive.
	BodyReadTimeout time.Duration
	// PairAttempts failed pairing requests (unknown, spent or expired
	// code) per PairWindow are allowed from one client address; then
	// every request gets 429 until the window passes. PairClients caps the addresses
	// remembered (beyond it, unknown addresses are refused until a
	// window passes).
	PairAttempts int
	PairWindow   time.Duration
	PairClients  int
}

// Production limits: 32 bodies of at most 2 MiB is 64 MiB of buffers at
// worst; 150 kiosks syncing every minute need a handful at a time.
const (
	DefaultBodyReads       = 32
	DefaultConns           = 512
	DefaultBodyReadTimeout = 30 * time.Second
	DefaultPairAttempts    = 10 // per client address and window
	DefaultPairWindow      = time.Minute
	DefaultPairClients     = 10000
)

// DefaultLimits returns the production limits.
func DefaultLimits() Limits {
	return Limits{BodyReads: DefaultBodyReads, Conns: DefaultConns, BodyReadTimeout: DefaultBodyReadTimeout,
		PairAttempts: DefaultPairAttempts, PairWindow: DefaultPairWindow, PairClients: DefaultPairClients}
}

// Server is the hub's HTTP API.
type Server struct {
	store   ServerStore
	clock   clockface.Clock
	sharing bool // opt-in template sharing
	log     *slog.Logger
	reg     *prometheus.Registry
	lim     Limits
	// bodies holds one token per body being read (Limits.BodyReads).
	bodies chan struct{}
	pairs  *rateLimiter
	// metricsPublic serves /metrics to every address, not only loopback.
	metricsPublic bool

	bodyBytes prometheus.Counter

	batches  *prometheus.CounterVec
	events   *prometheus.CounterVec
	skews    prometheus.Counter
	audits   prometheus.Counter
	skewGaug *prometheus.GaugeVec
	latency  prometheus.Histogram

	web http.Handler // the dashboard at /, if mounted
}

// MountWeb serves h (the dashboard) at / on the same listener; the API's
// own paths win. Call it before Handler.
func (s *Server) MountWeb(h http.Handler) { s.web = h }

// NewServer returns a hub serving st with DefaultLimits. log may be nil.
func NewServer(st ServerStore, clock clockface.Clock, log *slog.Logger) *Server {
	return NewServerWithLimits(st, clock, log, DefaultLimits())
}

// NewServerWithLimits returns a hub serving st within lim.
func NewServerWithLimits(st ServerStore, clock clockface.Clock, log *slog.Logger, lim Limits) *Server {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{store: st, clock: clock, log: log, reg: prometheus.NewRegistry(), lim: lim,
		bodies: make(chan struct{}, lim.BodyReads),
		pairs:  newRateLimiter(lim.PairAttempts, lim.PairWindow, lim.PairClients)}
	s.bodyBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clockface_hub_body_bytes_read_total", Help: "Request body bytes read, all endpoints (bodies are read only for paired kiosks and pairing).",
	})
	s.batches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clockface_hub_batches_total", Help: "Batch uploads by result (ok or an error code).",
	}, []string{"result"})
	s.events = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "clockface_hub_events_total", Help: "Outbox events received, accepted or duplicate.",
	}, []string{"result"})
	s.skews = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clockface_hub_clock_skew_flags_total", Help: "Batches whose kiosk clock was more than 2 minutes off.",
	})
	s.audits = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "clockface_hub_audit_head_flags_total", Help: "Batches whose audit head went back or changed hash at a sequence number already seen.",
	})
	s.skewGaug = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "clockface_hub_kiosk_clock_skew_seconds", Help: "Hub time minus kiosk clock at the kiosk's last batch.",
	}, []string{"kiosk"})
	s.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "clockface_hub_batch_seconds", Help: "Time to verify and store one batch.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	s.reg.MustRegister(s.bodyBytes, s.batches, s.events, s.skews, s.audits, s.skewGaug, s.latency,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return s
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+wire.PathPair, s.pair)
	mux.HandleFunc("POST "+wire.PathBatches, s.batch)
	mux.HandleFunc("POST "+wire.PathTemplatesPush, s.templatesPush)
	mux.HandleFunc("POST "+wire.PathTemplatesPull, s.templatesPull)
	mux.HandleFunc("POST "+wire.PathDownstream, s.downstream)
	mux.HandleFunc("GET "+wire.PathHealth, s.health)
	mux.Handle("GET "+wire.PathMetrics, s.metricsGuard(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))
	if s.web != nil {
		mux.Handle("/", s.web)
	}
	return mux
}

// EnableMetrics serves /metrics to every client address (hub serve
// --metrics). Without it only loopback clients get it: the metrics name
// every kiosk id.
func (s *Server) EnableMetrics() { s.metricsPublic = true }

func (s *Server) metricsGuard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A request a reverse proxy forwarded comes from loopback but
		// is not local.
		proxied := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != ""
		if !s.metricsPublic && (proxied || !isLoopback(r.RemoteAddr)) {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// isLoopback reports whether a RemoteAddr (host:port) is a loopback IP.
func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// clientIP is the address pairing attempts are counted by.
func clientIP(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return remote
	}
	return host
}

// NewPairingCode creates a one-time pairing code for a new kiosk, valid
// for ttl. Only its SHA-256 is stored.
func NewPairingCode(ctx context.Context, st CodeStore, now time.Time, ttl time.Duration) (string, error) {
	return NewPairingCodeFor(ctx, st, now, ttl, "")
}

// NewPairingCodeFor creates a code that pairs only kioskID, replacing its
// credential if it exists (a reinstalled or revoked kiosk). An empty
// kioskID makes a code for new kiosks only, so a leaked code cannot take
// over a kiosk that is already paired.
func NewPairingCodeFor(ctx context.Context, st CodeStore, now time.Time, ttl time.Duration, kioskID string) (string, error) {
	if kioskID != "" {
		if err := wire.CheckKioskID("kiosk", kioskID); err != nil {
			return "", err
		}
	}
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pairing code: %w", err)
	}
	var code strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			code.WriteByte('-')
		}
		code.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	if err := st.CreatePairingCode(ctx, hashCode(code.String()), kioskID, now, now.Add(ttl)); err != nil {
		return "", err
	}
	return code.String(), nil
}

func hashCode(code string) string {
	norm := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Ping(r.Context()); err != nil {
		s.fail(w, http.StatusServiceUnavailable, wire.CodeInternal, "store unavailable")
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, "ok\n")
}

func (s *Server) pair(w http.ResponseWriter, r *http.Request) {
	if !s.pairs.allow(clientIP(r.RemoteAddr), s.clock.Now()) {
		w.Header().Set("Retry-After", fmt.Sprint(int(s.lim.PairWindow.Seconds())))
		s.fail(w, http.StatusTooManyRequests, wire.CodeRateLimited,
			fmt.Sprintf("too many failed pairing attempts from this address: at most %d per %s", s.lim.PairAttempts, s.lim.PairWindow))
		return
	}
	if !s.acquireBody() {
		s.fail(w, http.StatusServiceUnavailable, wire.CodeBusy, "hub busy; retry")
		return
	}
	defer s.releaseBody()
	req, err := wire.DecodePair(s.countBody(http.MaxBytesReader(w, r.Body, wire.MaxPairBytes)))
	if err != nil {
		s.decodeFail(w, err)
		return
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		s.fail(w, http.StatusInternalServerError, wire.CodeInternal, "no randomness")
		return
	}
	now := s.clock.Now()
	if err := s.store.Pair(r.Context(), hashCode(req.Code), req.KioskID, secret, now); err != nil {
		if errors.Is(err, ErrBadCode) {
			s.pairs.fail(clientIP(r.RemoteAddr), s.clock.Now())
			s.fail(w, http.StatusForbidden, wire.CodeBadCode, err.Error())
			return
		}
		if errors.Is(err, ErrKioskExists) {
			s.fail(w, http.StatusConflict, wire.CodeKioskExists, fmt.Sprintf("kiosk %q: %v", req.KioskID, err))
			return
		}
		s.log.Error("pair", "err", err)
		s.fail(w, http.StatusInternalServerError, wire.CodeInternal, "could not store the kiosk")
		return
	}
	s.log.Info("kiosk paired", "kiosk", req.KioskID)
	tz, err := s.store.SiteZone(r.Context())
	if err != nil { // the kiosk is paired; it can be given a zone by hand
		s.log.Error("pair: site zone", "err", err)
	}
	writeJSON(w, http.StatusOK, wire.PairResponse{KioskID: req.KioskID, Secret: encodeSecret(secret), HubTime: now, TimeZone: tz})
}

func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	code, status, msg := s.applyBatch(w, r)
	s.batches.WithLabelValues(code).Inc()
	s.latency.Observe(time.Since(start).Seconds())
	if status != 0 {
		s.fail(w, status, code, msg)
	}
}

// EnableTemplateSharing turns on the opt-in template-sharing endpoints.
// The hub then stores and forwards sealed shares; it never has the key.
func (s *Server) EnableTemplateSharing() { s.sharing = true }

// failure is an error answer: code, status and message.
type failure struct {
	code   string
	status int
	msg    string
}

// errNotAuthenticated is the one answer for an unknown kiosk and a bad
// signature alike, so the API does not tell which kiosk ids exist.
const errNotAuthenticated = "signature does not verify, or the kiosk is not paired with this hub"

// authenticate checks the signature header, its time window and the kiosk
// BEFORE reading any body: an unknown kiosk or malformed header is refused
// without a byte of the body read. Then it reads the body (at most max
// bytes, within Limits.BodyReadTimeout, holding one of Limits.BodyReads
// tokens) and verifies the signature. The nonce is left for the caller to
// spend, in the same transaction as the write where possible.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, max int64) ([]byte, Kiosk, wire.SigParams, *failure) {
	p, err := wire.ParseSignature(r.Header)
	if err != nil {
		return nil, Kiosk{}, p, &failure{wire.CodeBadSignature, http.StatusUnauthorized, err.Error()}
	}
	if d := s.clock.Now().Sub(p.Created); d > wire.MaxAge || d < -wire.MaxAge {
		return nil, Kiosk{}, p, &failure{wire.CodeStale, http.StatusUnauthorized,
			fmt.Sprintf("signature time %s is %s from hub time: resend with the hub's time", p.Created.Format(time.RFC3339), d.Round(time.Second))}
	}
	k, err := s.store.Kiosk(r.Context(), p.KeyID)
	switch {
	case errors.Is(err, ErrUnknownKiosk):
		return nil, k, p, &failure{wire.CodeBadSignature, http.StatusUnauthorized, errNotAuthenticated}
	case err != nil:
		s.log.Error("kiosk lookup", "err", err)
		return nil, k, p, &failure{wire.CodeInternal, http.StatusInternalServerError, "store unavailable"}
	}
	if r.ContentLength > max {
		return nil, k, p, &failure{wire.CodeTooLarge, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max)}
	}
	if !s.acquireBody() {
		return nil, k, p, &failure{wire.CodeBusy, http.StatusServiceUnavailable, "hub busy reading other uploads; retry"}
	}
	defer s.releaseBody()
	if s.lim.BodyReadTimeout > 0 {
		// Not supported by every ResponseWriter (httptest's recorder);
		// the server's ReadTimeout still applies then.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.lim.BodyReadTimeout))
	}
	body, err := io.ReadAll(s.countBody(http.MaxBytesReader(w, r.Body, max)))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, Kiosk{}, wire.SigParams{}, &failure{wire.CodeTooLarge, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max)}
		}
		return nil, Kiosk{}, wire.SigParams{}, &failure{wire.CodeMalformed, http.StatusBadRequest, "could not read the body"}
	}
	if err := wire.Verify(r, body, p, k.Secret); err != nil {
		return nil, k, p, &failure{wire.CodeBadSignature, http.StatusUnauthorized, errNotAuthenticated}
	}
	if k.RevokedAt != nil {
		return nil, k, p, &failure{wire.CodeRevokedKiosk, http.StatusForbidden, fmt.Sprintf("kiosk %q was revoked", k.ID)}
	}
	return body, k, p, nil
}

// acquireBody takes a body-read token without waiting; false when
// Limits.BodyReads bodies are already being read.
func (s *Server) acquireBody() bool {
	select {
	case s.bodies <- struct{}{}:
		return true
	default:
		return false
	}
}

func (s *Server) releaseBody() { <-s.bodies }

// countBody counts what is read from r in clockface_hub_body_bytes_read_total.
func (s *Server) countBody(r io.Reader) io.Reader { return &countingReader{r: r, c: s.bodyBytes} }

type countingReader struct {
	r io.Reader
	c prometheus.Counter
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.c.Add(float64(n))
	return n, err
}

// applyBatch authenticates, decodes and stores one batch. It writes the
// 200 itself; on failure it returns the error code, status and message.
func (s *Server) applyBatch(w http.ResponseWriter, r *http.Request) (string, int, string) {
	ctx := r.Context()
	body, k, p, f := s.authenticate(w, r, wire.MaxBatchBytes)
	if f != nil {
		return f.code, f.status, f.msg
	}
	now := s.clock.Now()
	b, err := wire.DecodeBatch(bytes.NewReader(body), wire.MaxBatchBytes)
	if err != nil {
		return wire.CodeMalformed, http.StatusBadRequest, err.Error()
	}
	if f := checkFuture(b, now); f != nil {
		return f.code, f.status, f.msg
	}
	if b.KioskID != k.ID {
		return wire.CodeKioskMismatch, http.StatusForbidden, fmt.Sprintf("batch names kiosk %q, signed by %q", b.KioskID, k.ID)
	}
	for i, e := range b.Events {
		if e.Punch.KioskID != k.ID {
			return wire.CodeKioskMismatch, http.StatusForbidden, fmt.Sprintf("events[%d] is a punch of kiosk %q, signed by %q", i, e.Punch.KioskID, k.ID)
		}
	}
	skew := now.Sub(b.KioskClock)
	flag := skew > wire.SkewThreshold || skew < -wire.SkewThreshold
	res, err := s.store.ApplyBatch(ctx, Receipt{KioskID: k.ID, Nonce: p.Nonce, HubTime: now, Skew: skew, SkewFlag: flag, Batch: b})
	var notOwner *NotOwnerError
	switch {
	case errors.As(err, &notOwner):
		return wire.CodeNotOwner, http.StatusForbidden, notOwner.Error()
	case errors.Is(err, ErrReplay):
		return wire.CodeReplay, http.StatusUnauthorized, "nonce already used: every request needs a fresh nonce"
	case errors.Is(err, ErrRevoked):
		return wire.CodeRevokedKiosk, http.StatusForbidden, fmt.Sprintf("kiosk %q was revoked", k.ID)
	case err != nil:
		s.log.Error("apply batch", "kiosk", k.ID, "err", err)
		return wire.CodeInternal, http.StatusServiceUnavailable, "could not store the batch; retry"
	}
	s.events.WithLabelValues("accepted").Add(float64(res.Accepted))
	s.events.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	s.skewGaug.WithLabelValues(k.ID).Set(skew.Seconds())
	if flag {
		s.skews.Inc()
		s.log.Warn("kiosk clock skew", "kiosk", k.ID, "skew", skew)
	}
	if res.AuditFlag != "" {
		s.audits.Inc()
		s.log.Warn("kiosk audit head flagged", "kiosk", k.ID, "seq", b.AuditHead.Seq, "reason", res.AuditFlag)
	}
	if res.Conflicts > 0 {
		s.log.Warn("punch ids reused with other content: flagged, not applied", "kiosk", k.ID, "count", res.Conflicts)
	}
	if res.DirectoryFlags > 0 {
		s.log.Warn("directory changes from a kiosk that does not own the employee: ignored and flagged", "kiosk", k.ID, "count", res.DirectoryFlags)
	}
	writeJSON(w, http.StatusOK, wire.BatchResponse{Accepted: res.Accepted, Duplicates: res.Duplicates, Conflicts: res.Conflicts,
		HubTime: now, SkewMillis: skew.Milliseconds(), SkewFlagged: flag})
	return "ok", 0, ""
}

func (s *Server) templatesPush(w http.ResponseWriter, r *http.Request) {
	if !s.sharing {
		s.fail(w, http.StatusForbidden, wire.CodeSharingOff, "template sharing is off on this hub (hub serve --allow-template-sharing)")
		return
	}
	body, k, p, f := s.authenticate(w, r, wire.MaxTemplateBody)
	if f != nil {
		s.fail(w, f.status, f.code, f.msg)
		return
	}
	push, err := wire.DecodeTemplatePush(bytes.NewReader(body))
	if err != nil {
		s.fail(w, http.StatusBadRequest, wire.CodeMalformed, err.Error())
		return
	}
	if push.KioskID != k.ID {
		s.fail(w, http.StatusForbidden, wire.CodeKioskMismatch, fmt.Sprintf("push names kiosk %q, signed by %q", push.KioskID, k.ID))
		return
	}
	now := s.clock.Now()
	// The newest share per employee wins, so a share dated far ahead could
	// never be replaced: refuse it, as a batch with a far-future punch is.
	for i, sh := range push.Shares {
		if sh.At.After(now.Add(wire.MaxFuture)) {
			s.fail(w, http.StatusBadRequest, wire.CodeFutureTime, fmt.Sprintf("shares[%d].at %s is more than %s ahead of hub time %s: fix the kiosk clock",
				i, sh.At.Format(time.RFC3339), wire.MaxFuture, now.Format(time.RFC3339)))
			return
		}
	}
	if err := s.store.SpendNonce(r.Context(), k.ID, p.Nonce, now); err != nil {
		s.fail(w, http.StatusUnauthorized, wire.CodeReplay, "nonce already used: every request needs a fresh nonce")
		return
	}
	n, err := s.store.PutShares(r.Context(), k.ID, push.Shares, now)
	if err != nil {
		s.log.Error("put shares", "err", err)
		s.fail(w, http.StatusServiceUnavailable, wire.CodeInternal, "could not store the shares; retry")
		return
	}
	writeJSON(w, http.StatusOK, wire.TemplatePushResponse{Stored: n})
}

func (s *Server) templatesPull(w http.ResponseWriter, r *http.Request) {
	if !s.sharing {
		s.fail(w, http.StatusForbidden, wire.CodeSharingOff, "template sharing is off on this hub (hub serve --allow-template-sharing)")
		return
	}
	body, k, p, f := s.authenticate(w, r, wire.MaxPairBytes)
	if f != nil {
		s.fail(w, f.status, f.code, f.msg)
		return
	}
	pull, err := wire.DecodeTemplatePull(bytes.NewReader(body))
	if err != nil {
		s.fail(w, http.StatusBadRequest, wire.CodeMalformed, err.Error())
		return
	}
	if pull.KioskID != k.ID {
		s.fail(w, http.StatusForbidden, wire.CodeKioskMismatch, fmt.Sprintf("pull names kiosk %q, signed by %q", pull.KioskID, k.ID))
		return
	}
	if err := s.store.SpendNonce(r.Context(), k.ID, p.Nonce, s.clock.Now()); err != nil {
		s.fail(w, http.StatusUnauthorized, wire.CodeReplay, "nonce already used: every request needs a fresh nonce")
		return
	}
	shares, err := s.store.Shares(r.Context(), pull.After, wire.MaxPullShares)
	if err != nil {
		s.log.Error("shares", "err", err)
		s.fail(w, http.StatusServiceUnavailable, wire.CodeInternal, "could not read shares; retry")
		return
	}
	resp := wire.TemplatePullResponse{Shares: shares, Next: pull.After}
	if len(shares) > 0 {
		resp.Next = shares[len(shares)-1].Seq
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) decodeFail(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	if errors.Is(err, wire.ErrTooLarge) || errors.As(err, &mbe) {
		s.fail(w, http.StatusRequestEntityTooLarge, wire.CodeTooLarge, err.Error())
		return
	}
	s.fail(w, http.StatusBadRequest, wire.CodeMalformed, err.Error())
}

func (s *Server) fail(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, wire.ErrorResponse{Error: msg, Code: code, HubTime: s.clock.Now()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeJSONCompressed is writeJSON gzip-compressed when the client accepts
// it (Go's HTTP client asks for gzip and decompresses by itself): for the
// downstream answer, which holds every employee's last known state (1.7 MB
// of JSON for 10,000 employees, BENCHMARKS.md). The kiosk's decoder caps
// the decompressed bytes, so a compressed answer cannot grow past it.
func writeJSONCompressed(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Add("Vary", "Accept-Encoding")
	if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		writeJSON(w, status, v)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // the level is valid
	_ = json.NewEncoder(zw).Encode(v)
	_ = zw.Close()
}

// RunPruner forgets nonces older than twice the signature window, every
// minute, until ctx ends.
func (s *Server) RunPruner(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.store.PruneNonces(ctx, s.clock.Now().Add(-2*wire.MaxAge)); err != nil {
				s.log.Error("prune nonces", "err", err)
			}
		}
	}
}
