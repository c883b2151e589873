-- Each run keeps the sum over its outcome reports of value² / samples beside its other counters,
-- so the evidence of a strategy is a sum over its runs, not over every report ever made: an
-- outcome report reads it inside its write transaction.
ALTER TABLE runs ADD COLUMN squares REAL NOT NULL DEFAULT 0;

UPDATE runs SET squares = (
    SELECT COALESCE(SUM(CASE WHEN o.samples > 0 THEN o.value * o.value / o.samples ELSE 0 END), 0)
    FROM outcomes o WHERE o.workspace_id = runs.workspace_id AND o.run_id = runs.id);

CREATE INDEX runs_by_playbook_version ON runs (workspace_id, playbook_id, spec_version);
