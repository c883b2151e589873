-- Every table that holds a workspace's data is keyed by workspace first.

CREATE TABLE workspaces (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    read_only   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

-- Tokens span workspaces (a token holds grants for several), so they are keyed by their own id.
-- Only a SHA-256 hash of the secret is kept.
CREATE TABLE tokens (
    id           TEXT    NOT NULL PRIMARY KEY,
    subject      TEXT    NOT NULL,
    secret_hash  BLOB    NOT NULL,
    grants       TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE playbooks (
    workspace_id  TEXT    NOT NULL REFERENCES workspaces (id),
    id            TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    mode          TEXT    NOT NULL,
    buddy_id      TEXT    NOT NULL,
    spec          TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE playbook_versions (
    workspace_id  TEXT    NOT NULL,
    playbook_id   TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    spec          TEXT    NOT NULL,
    change        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    created_by    TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, playbook_id, version),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE runs (
    workspace_id  TEXT    NOT NULL,
    id            TEXT    NOT NULL,
    playbook_id   TEXT    NOT NULL,
    spec_version  INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    samples       INTEGER NOT NULL DEFAULT 0,
    successes     INTEGER NOT NULL DEFAULT 0,
    value         REAL    NOT NULL DEFAULT 0,
    started_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    note          TEXT,
    created_by    TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX runs_by_playbook ON runs (workspace_id, playbook_id, id);
