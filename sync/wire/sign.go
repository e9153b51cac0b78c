package wire

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request signing, in the style of RFC 9421 (HTTP Message Signatures) with
// an RFC 9530 Content-Digest:
//
//	Content-Digest: sha-256=:<base64 sha-256 of the body>:
//	Signature-Input: sig1=("@method" "@path" "content-digest");created=<unix>;nonce="<nonce>";keyid="<kiosk id>";alg="hmac-sha256"
//	Signature: sig1=:<base64 HMAC-SHA256 of the signature base>:
//
// The signature base is RFC 9421's: one line per covered component, then
// the "@signature-params" line. Only this one profile is accepted.

// Errors from verification. The hub maps them to 401s.
var (
	ErrNoSignature  = errors.New("request is not signed")
	ErrBadSignature = errors.New("signature does not verify")
	ErrBadDigest    = errors.New("content-digest does not match the body")
)

const (
	sigLabel   = "sig1"
	components = `("@method" "@path" "content-digest")`
	algHMAC    = "hmac-sha256"
)

// SigParams are the parameters of a request's signature.
type SigParams struct {
	KeyID   string
	Nonce   string
	Created time.Time
}

// NewNonce returns 128 random bits, base64url.
func NewNonce() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ContentDigest returns the Content-Digest header value for body.
func ContentDigest(body []byte) string {
	sum := sha256.Sum256(body)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"
}

// Sign adds Content-Digest, Signature-Input and Signature to req.
func Sign(req *http.Request, body []byte, keyID string, secret []byte, created time.Time, nonce string) {
	digest := ContentDigest(body)
	params := sigParams(created.Unix(), nonce, keyID)
	req.Header.Set("Content-Digest", digest)
	req.Header.Set("Signature-Input", sigLabel+"="+params)
	mac := hmacBase(secret, req.Method, req.URL.Path, digest, params)
	req.Header.Set("Signature", sigLabel+"=:"+base64.StdEncoding.EncodeToString(mac)+":")
}

func sigParams(created int64, nonce, keyID string) string {
	return fmt.Sprintf(`%s;created=%d;nonce="%s";keyid="%s";alg="%s"`, components, created, nonce, keyID, algHMAC)
}

func hmacBase(secret []byte, method, path, digest, params string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "\"@method\": %s\n", method)
	fmt.Fprintf(&b, "\"@path\": %s\n", path)
	fmt.Fprintf(&b, "\"content-digest\": %s\n", digest)
	fmt.Fprintf(&b, "\"@signature-params\": %s", params)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(b.String()))
	return m.Sum(nil)
}

// ParseSignature reads the signature parameters from h without verifying
// anything, so the caller can look up the key.
func ParseSignature(h http.Header) (SigParams, error) {
	in := h.Get("Signature-Input")
	if in == "" || h.Get("Signature") == "" {
		return SigParams{}, ErrNoSignature
	}
	rest, ok := strings.CutPrefix(in, sigLabel+"="+components+";")
	if !ok {
		return SigParams{}, fmt.Errorf("%w: Signature-Input must be %s=%s;...", ErrBadSignature, sigLabel, components)
	}
	var p SigParams
	var alg string
	var haveCreated bool
	for _, kv := range strings.Split(rest, ";") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return SigParams{}, fmt.Errorf("%w: bad parameter %q", ErrBadSignature, kv)
		}
		switch k {
		case "created":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || haveCreated {
				return SigParams{}, fmt.Errorf("%w: bad created", ErrBadSignature)
			}
			p.Created, haveCreated = time.Unix(n, 0).UTC(), true
		case "nonce":
			s, err := unquote(v)
			if err != nil || p.Nonce != "" || len(s) < 16 || len(s) > 64 {
				return SigParams{}, fmt.Errorf("%w: bad nonce", ErrBadSignature)
			}
			p.Nonce = s
		case "keyid":
			s, err := unquote(v)
			if err != nil || p.KeyID != "" || CheckKioskID("keyid", s) != nil {
				return SigParams{}, fmt.Errorf("%w: bad keyid", ErrBadSignature)
			}
			p.KeyID = s
		case "alg":
			s, err := unquote(v)
			if err != nil || s != algHMAC {
				return SigParams{}, fmt.Errorf("%w: alg must be %s", ErrBadSignature, algHMAC)
			}
			alg = s
		default:
			return SigParams{}, fmt.Errorf("%w: unknown parameter %q", ErrBadSignature, k)
		}
	}
	if !haveCreated || p.Nonce == "" || p.KeyID == "" || alg == "" {
		return SigParams{}, fmt.Errorf("%w: created, nonce, keyid and alg are required", ErrBadSignature)
	}
	return p, nil
}

func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || strings.ContainsAny(v[1:len(v)-1], `"\`) {
		return "", errors.New("not a plain quoted string")
	}
	return v[1 : len(v)-1], nil
}

// Verify checks req's Content-Digest against body and its Signature
// against secret. p must come from ParseSignature(req.Header).
func Verify(req *http.Request, body []byte, p SigParams, secret []byte) error {
	digest := req.Header.Get("Content-Digest")
	if !hmac.Equal([]byte(digest), []byte(ContentDigest(body))) {
		return ErrBadDigest
	}
	sig, ok := strings.CutPrefix(req.Header.Get("Signature"), sigLabel+"=:")
	if !ok || !strings.HasSuffix(sig, ":") {
		return fmt.Errorf("%w: Signature must be %s=:base64:", ErrBadSignature, sigLabel)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(sig, ":"))
	if err != nil {
		return fmt.Errorf("%w: signature is not base64", ErrBadSignature)
	}
	want := hmacBase(secret, req.Method, req.URL.Path, digest, sigParams(p.Created.Unix(), p.Nonce, p.KeyID))
	if !hmac.Equal(got, want) {
		return ErrBadSignature
	}
	return nil
}
