package hub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/netutil"

	"clockface/sync/wire"
)

// The HTTP server's timeouts: a client that sends its headers slowly, or
// its body slower than BodyReadTimeout allows, or idles on a kept-alive
// connection, loses the connection.
const (
	ReadHeaderTimeout = 10 * time.Second
	ReadTimeout       = 60 * time.Second // headers and body
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 2 * time.Minute
	MaxHeaderBytes    = 16 << 10
)

// ListenAndServe serves the API on addr until ctx ends, over TLS when
// tlsCfg is set. ready, if not nil, gets the bound address (addr may use
// port 0). It also prunes old nonces.
func (s *Server) ListenAndServe(ctx context.Context, addr string, tlsCfg *tls.Config, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if s.lim.Conns > 0 {
		ln = netutil.LimitListener(ln, s.lim.Conns)
	}
	if tlsCfg != nil {
		if tlsCfg.CipherSuites == nil || tlsCfg.MinVersion < tls.VersionTLS12 {
			tlsCfg = tlsCfg.Clone()
			tlsCfg.CipherSuites = wire.AEADCipherSuites()
			tlsCfg.MinVersion = max(tlsCfg.MinVersion, tls.VersionTLS12)
		}
		ln = tls.NewListener(ln, tlsCfg)
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ReadTimeout,
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if ready != nil {
		ready(ln.Addr())
	}
	pctx, cancel := context.WithCancel(ctx)
	pruned := make(chan struct{})
	go func() { defer close(pruned); s.RunPruner(pctx) }()
	defer func() { cancel(); <-pruned }() // the pruner stops before the caller closes the store
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		if err := srv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
}

// IsPostgresURL reports whether a --db value names PostgreSQL rather
// than a SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// Open opens the store a --db value names: a postgres:// URL, or a SQLite
// file path.
func Open(ctx context.Context, db, pgSchema string) (*DB, error) {
	if IsPostgresURL(db) {
		return OpenPostgres(ctx, db, pgSchema)
	}
	return OpenSQLite(ctx, db)
}
