-- +goose Up
-- clockface ledger schema, version 4: self-calibration per site and
-- bounded template refresh.
--
--   - site_calibration keeps, per model, the nearest pair of different
--     enrolled people measured at this site (each enrolment measures the
--     new template against all others; `calibrate --apply` recomputes it),
--     from which the effective accept threshold is derived;
--   - template_refresh records when a strong punch last replaced the
--     oldest sample of an employee's template (at most once a week).
--
-- Every statement is idempotent (IF NOT EXISTS), so a ledger taken back
-- to an older version by hand and migrated again does not fail here.

CREATE TABLE IF NOT EXISTS site_calibration (
	model        TEXT PRIMARY KEY,  -- name/version
	min_impostor REAL NOT NULL,     -- nearest distance between two enrolled people
	pair_a       TEXT NOT NULL,     -- their employee numbers ('' once deleted)
	pair_b       TEXT NOT NULL,
	pairs        INTEGER NOT NULL,  -- sample pairs of different people compared
	updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS template_refresh (
	employee_id   INTEGER NOT NULL REFERENCES employees (id),
	model_name    TEXT NOT NULL,
	model_version TEXT NOT NULL,
	refreshed_at  INTEGER NOT NULL,
	PRIMARY KEY (employee_id, model_name, model_version)
) STRICT;

-- When an employee's templates are deleted (erasure, withdrawal,
-- retention, re-enrolment from scratch), their refresh record goes, and
-- they are no longer named as half of the nearest pair; the distance
-- stays, so the threshold does not loosen until `calibrate --apply`
-- measures again.
-- +goose StatementBegin
CREATE TRIGGER IF NOT EXISTS site_calibration_forget AFTER DELETE ON templates
BEGIN
	DELETE FROM template_refresh WHERE employee_id = OLD.employee_id
		AND model_name = OLD.model_name AND model_version = OLD.model_version;
	UPDATE site_calibration SET pair_a = '' WHERE pair_a = (SELECT number FROM employees WHERE id = OLD.employee_id);
	UPDATE site_calibration SET pair_b = '' WHERE pair_b = (SELECT number FROM employees WHERE id = OLD.employee_id);
END;
-- +goose StatementEnd
