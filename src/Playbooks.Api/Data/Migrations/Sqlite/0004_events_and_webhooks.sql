-- Events (events.md section 1), written in the transaction of the change they record. SQLite has
-- one writer at a time, so rowid order (seq) is commit order: the feed reads in seq order and
-- cannot skip. tx exists to share the feed's ordering (tx, seq) with PostgreSQL; here it is 0.
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    tx            INTEGER NOT NULL DEFAULT 0,
    workspace_id  TEXT    NOT NULL,
    id            TEXT    NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    occurred_at   INTEGER NOT NULL,
    data          TEXT    NOT NULL,
    -- Set only for webhook.ping: an event for one endpoint, not in the feed.
    webhook_id    TEXT
);

CREATE INDEX events_by_workspace ON events (workspace_id, tx, seq);
CREATE INDEX events_by_age ON events (occurred_at);
CREATE INDEX events_in_order ON events (tx, seq);

-- How far the dispatcher has fanned events out into deliveries: one row.
CREATE TABLE event_dispatch (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    tx   INTEGER NOT NULL,
    seq  INTEGER NOT NULL
);
INSERT INTO event_dispatch (id, tx, seq) VALUES (1, 0, 0);

CREATE TABLE webhooks (
    workspace_id         TEXT    NOT NULL REFERENCES workspaces (id),
    id                   TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    events               TEXT    NOT NULL,
    description          TEXT,
    enabled              INTEGER NOT NULL,
    disabled_reason      TEXT,
    -- The signing secrets, protected with ASP.NET Core Data Protection; never the plain secret.
    secret               TEXT    NOT NULL,
    previous_secret      TEXT,
    previous_expires_at  INTEGER,
    failing_since        INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    created_by           TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE deliveries (
    workspace_id      TEXT    NOT NULL,
    id                TEXT    NOT NULL,
    webhook_id        TEXT    NOT NULL,
    event_id          TEXT    NOT NULL,
    event_type        TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_attempt_at   INTEGER,
    last_status_code  INTEGER,
    last_error        TEXT,
    next_attempt_at   INTEGER,
    -- An instance that takes an attempt holds it until then; after a crash another may take it.
    leased_until      INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, webhook_id) REFERENCES webhooks (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries (workspace_id, webhook_id, id);
CREATE INDEX deliveries_by_age ON deliveries (created_at);

-- The ASP.NET Core Data Protection key ring, shared by every instance on this store.
CREATE TABLE data_protection_keys (
    name  TEXT PRIMARY KEY,
    xml   TEXT NOT NULL
);
