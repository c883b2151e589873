-- Each run keeps the success metric of the spec version it was started under, so its metricValue
-- means what it meant when it ran: a later change of the playbook's metric (an update or a pivot)
-- measures only the runs recorded after it. Null when that version had no metric. Filled here from
-- the saved version each run is pinned to.
ALTER TABLE runs ADD COLUMN success_metric TEXT;

UPDATE runs SET success_metric = (
    SELECT v.spec::jsonb -> 'strategy' ->> 'successMetric' FROM playbook_versions v
    WHERE v.workspace_id = runs.workspace_id AND v.playbook_id = runs.playbook_id AND v.version = runs.spec_version);
