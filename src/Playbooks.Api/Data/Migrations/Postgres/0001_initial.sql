-- Ids are compared byte-wise (COLLATE "C"): their order is creation order, whatever the
-- database's default collation.
-- Every table that holds a workspace's data is keyed by workspace first, so the largest
-- deployments can distribute them by workspace_id (see docs/deployment.md).

CREATE TABLE workspaces (
    id          TEXT COLLATE "C"    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    read_only   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL
);

-- Tokens span workspaces (a token holds grants for several), so they are keyed by their own id.
-- Only a SHA-256 hash of the secret is kept.
CREATE TABLE tokens (
    id           TEXT COLLATE "C"   NOT NULL PRIMARY KEY,
    subject      TEXT   NOT NULL,
    secret_hash  BYTEA  NOT NULL,
    grants       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    revoked_at   BIGINT
);

CREATE TABLE playbooks (
    workspace_id  TEXT COLLATE "C"   NOT NULL REFERENCES workspaces (id),
    id            TEXT COLLATE "C"   NOT NULL,
    status        TEXT   NOT NULL,
    mode          TEXT   NOT NULL,
    buddy_id      TEXT   NOT NULL,
    spec          TEXT   NOT NULL,
    version       BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    created_by    TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE playbook_versions (
    workspace_id  TEXT COLLATE "C"   NOT NULL,
    playbook_id   TEXT COLLATE "C"   NOT NULL,
    version       BIGINT NOT NULL,
    spec          TEXT   NOT NULL,
    change        TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT   NOT NULL,
    PRIMARY KEY (workspace_id, playbook_id, version),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id) ON DELETE CASCADE
);

CREATE TABLE runs (
    workspace_id  TEXT COLLATE "C"             NOT NULL,
    id            TEXT COLLATE "C"             NOT NULL,
    playbook_id   TEXT COLLATE "C"             NOT NULL,
    spec_version  BIGINT           NOT NULL,
    status        TEXT             NOT NULL,
    samples       BIGINT           NOT NULL DEFAULT 0,
    successes     BIGINT           NOT NULL DEFAULT 0,
    value         DOUBLE PRECISION NOT NULL DEFAULT 0,
    started_at    BIGINT           NOT NULL,
    ended_at      BIGINT,
    note          TEXT,
    created_by    TEXT             NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX runs_by_playbook ON runs (workspace_id, playbook_id, id);
