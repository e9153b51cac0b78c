-- +goose Up
-- clockface ledger schema, version 2: a consent names the kiosk it was
-- signed on.
--
-- SQLite cannot add a CHECK to an existing table, and rebuilding consents
-- (referenced by templates, carrying triggers) would risk the consent rows
-- themselves; these triggers are the CHECK (kiosk_id <> '') for every new or
-- changed row. Rows written before this version keep whatever they hold, and
-- withdrawing them (an UPDATE of withdrawn_at only) still works.

-- +goose StatementBegin
CREATE TRIGGER consents_need_kiosk_insert BEFORE INSERT ON consents
WHEN trim(NEW.kiosk_id) = ''
BEGIN
	SELECT RAISE(ABORT, 'consent needs a kiosk id');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER consents_need_kiosk_update BEFORE UPDATE OF kiosk_id ON consents
WHEN trim(NEW.kiosk_id) = ''
BEGIN
	SELECT RAISE(ABORT, 'consent needs a kiosk id');
END;
-- +goose StatementEnd
