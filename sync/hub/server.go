package hub

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	// SiteZone is the site's time zone for the pairing answer ("" unset).
	SiteZone(ctx context.Context) (string, error)
}

// Server is the hub's HTTP API.
type Server struct {
	store   ServerStore
	clock   clockface.Clock
	sharing bool // opt-in template sharing
	log     *slog.Logger
	reg     *prometheus.Registry

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

// NewServer returns a hub serving st. log may be nil.
func NewServer(st ServerStore, clock clockface.Clock, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{store: st, clock: clock, log: log, reg: prometheus.NewRegistry()}
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
	s.reg.MustRegister(s.batches, s.events, s.skews, s.audits, s.skewGaug, s.latency,
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
	mux.HandleFunc("GET "+wire.PathHealth, s.health)
	mux.Handle("GET "+wire.PathMetrics, promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	if s.web != nil {
		mux.Handle("/", s.web)
	}
	return mux
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
	req, err := wire.DecodePair(http.MaxBytesReader(w, r.Body, wire.MaxPairBytes))
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

// authenticate reads the body (at most max bytes) and checks the
// signature, the kiosk and the time window. The nonce is left for the
// caller to spend, in the same transaction as the write where possible.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request, max int64) ([]byte, Kiosk, wire.SigParams, *failure) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, Kiosk{}, wire.SigParams{}, &failure{wire.CodeTooLarge, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", max)}
		}
		return nil, Kiosk{}, wire.SigParams{}, &failure{wire.CodeMalformed, http.StatusBadRequest, "could not read the body"}
	}
	p, err := wire.ParseSignature(r.Header)
	if err != nil {
		return nil, Kiosk{}, p, &failure{wire.CodeBadSignature, http.StatusUnauthorized, err.Error()}
	}
	k, err := s.store.Kiosk(r.Context(), p.KeyID)
	switch {
	case errors.Is(err, ErrUnknownKiosk):
		return nil, k, p, &failure{wire.CodeUnknownKiosk, http.StatusUnauthorized, fmt.Sprintf("unknown kiosk %q: pair it first", p.KeyID)}
	case err != nil:
		s.log.Error("kiosk lookup", "err", err)
		return nil, k, p, &failure{wire.CodeInternal, http.StatusInternalServerError, "store unavailable"}
	}
	if err := wire.Verify(r, body, p, k.Secret); err != nil {
		return nil, k, p, &failure{wire.CodeBadSignature, http.StatusUnauthorized, err.Error()}
	}
	if k.RevokedAt != nil {
		return nil, k, p, &failure{wire.CodeRevokedKiosk, http.StatusForbidden, fmt.Sprintf("kiosk %q was revoked", k.ID)}
	}
	if d := s.clock.Now().Sub(p.Created); d > wire.MaxAge || d < -wire.MaxAge {
		return nil, k, p, &failure{wire.CodeStale, http.StatusUnauthorized,
			fmt.Sprintf("signature time %s is %s from hub time: resend with the hub's time", p.Created.Format(time.RFC3339), d.Round(time.Second))}
	}
	return body, k, p, nil
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
	switch {
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
	writeJSON(w, http.StatusOK, wire.BatchResponse{Accepted: res.Accepted, Duplicates: res.Duplicates,
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
