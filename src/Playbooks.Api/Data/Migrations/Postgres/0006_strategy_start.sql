-- The playbook row keeps where its current strategy started (version and time), so evaluating
-- the evidence and checking a pivot no longer walk the saved versions: their cost does not grow
-- with the playbook's history. Filled here from the versions, as the walk found it: the newest
-- version whose strategy differs from the one before it, or version 1 and the creation time.
ALTER TABLE playbooks ADD COLUMN strategy_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE playbooks ADD COLUMN strategy_since BIGINT NOT NULL DEFAULT 0;

UPDATE playbooks SET strategy_version = COALESCE((
    SELECT MAX(v.version) FROM playbook_versions v
    JOIN playbook_versions b ON b.workspace_id = v.workspace_id AND b.playbook_id = v.playbook_id AND b.version = v.version - 1
    WHERE v.workspace_id = playbooks.workspace_id AND v.playbook_id = playbooks.id
      AND (v.spec::jsonb -> 'strategy') IS DISTINCT FROM (b.spec::jsonb -> 'strategy')), 1);

UPDATE playbooks SET strategy_since = CASE WHEN strategy_version = 1 THEN created_at ELSE (
    SELECT v.created_at FROM playbook_versions v
    WHERE v.workspace_id = playbooks.workspace_id AND v.playbook_id = playbooks.id AND v.version = playbooks.strategy_version) END;
