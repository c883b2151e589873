-- One row per outcome report: the run's counters are their sum, and stats and the adaptation
-- evidence are computed from them.
CREATE TABLE outcomes (
    workspace_id  TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    playbook_id   TEXT    NOT NULL,
    run_id        TEXT    NOT NULL,
    spec_version  INTEGER NOT NULL,
    samples       INTEGER NOT NULL,
    successes     INTEGER NOT NULL,
    value         REAL    NOT NULL,
    at            INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, run_id) REFERENCES runs (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX outcomes_by_playbook ON outcomes (workspace_id, playbook_id, at);
CREATE INDEX outcomes_by_run ON outcomes (workspace_id, run_id);
CREATE INDEX runs_by_playbook_started ON runs (workspace_id, playbook_id, started_at);

-- A POST with an Idempotency-Key claims its key here before doing any work; the answer is
-- stored when the work is done (status_code stays NULL while it runs).
CREATE TABLE idempotency_keys (
    workspace_id      TEXT    NOT NULL,
    key               TEXT    NOT NULL,
    request_hash      BLOB    NOT NULL,
    status_code       INTEGER,
    response_headers  TEXT,
    response_body     BLOB,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
