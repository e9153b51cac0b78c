-- The first versioned schema is the schema the hub created before goose, with
-- IF NOT EXISTS throughout: run on a database made by that unversioned SQL it
-- changes nothing, so goose adopts such a database as version 1. Later
-- migrations are plain.

-- +goose Up
CREATE TABLE IF NOT EXISTS kiosks (
    id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    last_seen BIGINT,
    last_skew_ms BIGINT NOT NULL DEFAULT 0,
    audit_seq BIGINT NOT NULL DEFAULT 0,
    audit_hash TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS pairing_codes (
    code_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    kiosk_id TEXT,
    for_kiosk TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS nonces (
    kiosk_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (kiosk_id, nonce)
);
CREATE INDEX IF NOT EXISTS nonces_seen ON nonces (seen_at);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    type TEXT NOT NULL,
    punch_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS punches (
    id TEXT PRIMARY KEY,
    employee TEXT NOT NULL,
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    at BIGINT NOT NULL,
    kiosk_id TEXT NOT NULL,
    distance DOUBLE PRECISION NOT NULL DEFAULT 0,
    margin DOUBLE PRECISION NOT NULL DEFAULT 0,
    liveness TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    corrected_at BIGINT,
    correction_by TEXT,
    correction_reason TEXT,
    correction_when BIGINT,
    voided_by TEXT,
    void_reason TEXT,
    void_when BIGINT,
    effective_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS punches_effective ON punches (effective_at);
CREATE TABLE IF NOT EXISTS employees (
    number TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS template_shares (
    employee TEXT NOT NULL,
    model TEXT NOT NULL,
    key_id TEXT NOT NULL,
    sealed TEXT NOT NULL,
    deleted BIGINT NOT NULL,
    origin TEXT NOT NULL,
    at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (employee, model)
);
CREATE INDEX IF NOT EXISTS template_shares_seq ON template_shares (seq);
CREATE TABLE IF NOT EXISTS share_seq (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO share_seq (id, n) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_heads (
    kiosk_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    PRIMARY KEY (kiosk_id, seq)
);
INSERT INTO audit_heads (kiosk_id, seq, hash, first_seen)
    SELECT id, audit_seq, audit_hash, COALESCE(last_seen, created_at) FROM kiosks WHERE audit_hash <> ''
    ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS audit_flags (
    kiosk_id TEXT NOT NULL,
    hub_time BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_flags_kiosk ON audit_flags (kiosk_id, hub_time);
CREATE TABLE IF NOT EXISTS skew_flags (
    kiosk_id TEXT NOT NULL,
    hub_time BIGINT NOT NULL,
    kiosk_clock BIGINT NOT NULL,
    skew_ms BIGINT NOT NULL
);
