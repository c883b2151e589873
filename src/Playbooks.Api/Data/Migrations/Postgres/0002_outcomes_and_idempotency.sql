-- One row per outcome report: the run's counters are their sum, and stats and the adaptation
-- evidence are computed from them.
CREATE TABLE outcomes (
    workspace_id  TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    playbook_id   TEXT COLLATE "C" NOT NULL,
    run_id        TEXT COLLATE "C" NOT NULL,
    spec_version  BIGINT           NOT NULL,
    samples       BIGINT           NOT NULL,
    successes     BIGINT           NOT NULL,
    value         DOUBLE PRECISION NOT NULL,
    at            BIGINT           NOT NULL,
    created_at    BIGINT           NOT NULL,
    created_by    TEXT             NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, run_id) REFERENCES runs (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX outcomes_by_playbook ON outcomes (workspace_id, playbook_id, at);
CREATE INDEX outcomes_by_run ON outcomes (workspace_id, run_id);
CREATE INDEX runs_by_playbook_started ON runs (workspace_id, playbook_id, started_at);

-- A POST with an Idempotency-Key claims its key here before doing any work; the answer is
-- stored when the work is done (status_code stays NULL while it runs).
CREATE TABLE idempotency_keys (
    workspace_id      TEXT COLLATE "C" NOT NULL,
    key               TEXT COLLATE "C" NOT NULL,
    request_hash      BYTEA            NOT NULL,
    status_code       INTEGER,
    response_headers  TEXT,
    response_body     BYTEA,
    created_at        BIGINT           NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
