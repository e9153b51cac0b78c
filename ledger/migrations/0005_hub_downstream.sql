-- +goose Up
-- clockface ledger schema, version 5: what the hub sends down at each
-- sync (sync/outbox's downstream pass, ledger/remote.go).
--
--   - hub_status keeps, per employee, the newest hub status change applied
--     (its hub sequence number), so a replayed or older change never undoes
--     a newer one; meta 'downstream_seq' is the newest applied overall;
--   - remote_states holds each employee's last known state from the other
--     kiosks' punches, as the hub last sent it; State takes the later of
--     this ledger's own and this one. It is replaced whole at each sync.
--
-- Every statement is idempotent (IF NOT EXISTS), as in version 4.

CREATE TABLE IF NOT EXISTS hub_status (
	employee_id INTEGER PRIMARY KEY REFERENCES employees (id),
	seq         INTEGER NOT NULL,  -- the hub's sequence number of the change
	action      TEXT NOT NULL,     -- terminate, restrict, unrestrict
	applied_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS remote_states (
	employee_id INTEGER PRIMARY KEY REFERENCES employees (id),
	kind        TEXT NOT NULL,     -- in, break_start, out
	at          INTEGER NOT NULL,  -- the punch that set it (corrected time)
	shift_start INTEGER NOT NULL,  -- 0 while out
	kiosk_id    TEXT NOT NULL,
	punch_id    TEXT NOT NULL,
	received_at INTEGER NOT NULL
) STRICT;
