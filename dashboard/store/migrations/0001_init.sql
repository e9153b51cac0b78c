-- The dashboard's own tables, beside the hub's in the same database. Plain
-- types that SQLite and PostgreSQL both read the same way: times are Unix
-- nanoseconds (BIGINT), JSON is TEXT, session data is base64 TEXT.

-- +goose Up
CREATE TABLE dashboard_users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'hr', 'payroll', 'manager', 'employee')),
    scope_json    TEXT NOT NULL,
    lang          TEXT NOT NULL,
    password_hash TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    epoch         BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE dashboard_sessions (
    token  TEXT PRIMARY KEY,
    data   TEXT NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON dashboard_sessions (expiry);

CREATE TABLE dashboard_throttle (
    tkey         TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE dashboard_audit (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    before_json TEXT,
    after_json  TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);

-- +goose Down
DROP TABLE dashboard_audit;
DROP TABLE dashboard_throttle;
DROP TABLE dashboard_sessions;
DROP TABLE dashboard_users;
