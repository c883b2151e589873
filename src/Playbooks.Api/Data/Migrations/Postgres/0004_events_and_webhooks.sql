-- Events (events.md section 1), written in the transaction of the change they record. A sequence
-- value is taken before commit, so seq alone could become visible out of order. The feed orders by
-- (tx, seq), tx being the writing transaction's id, and shows only transactions older than every
-- transaction still running (pg_snapshot_xmin): nothing can later appear before what it showed.
CREATE TABLE events (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tx            BIGINT  NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    workspace_id  TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL UNIQUE,
    type          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    occurred_at   BIGINT  NOT NULL,
    data          TEXT    NOT NULL,
    -- Set only for webhook.ping: an event for one endpoint, not in the feed.
    webhook_id    TEXT COLLATE "C"
);

CREATE INDEX events_by_workspace ON events (workspace_id, tx, seq);
CREATE INDEX events_by_age ON events (occurred_at);
CREATE INDEX events_in_order ON events (tx, seq);

-- How far the dispatcher has fanned events out into deliveries: one row.
CREATE TABLE event_dispatch (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    tx   BIGINT  NOT NULL,
    seq  BIGINT  NOT NULL
);
INSERT INTO event_dispatch (id, tx, seq) VALUES (1, 0, 0);

CREATE TABLE webhooks (
    workspace_id         TEXT COLLATE "C" NOT NULL REFERENCES workspaces (id),
    id                   TEXT COLLATE "C" NOT NULL,
    url                  TEXT    NOT NULL,
    events               TEXT    NOT NULL,
    description          TEXT,
    enabled              BOOLEAN NOT NULL,
    disabled_reason      TEXT,
    -- The signing secrets, protected with ASP.NET Core Data Protection; never the plain secret.
    secret               TEXT    NOT NULL,
    previous_secret      TEXT,
    previous_expires_at  BIGINT,
    failing_since        BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    created_by           TEXT    NOT NULL,
    PRIMARY KEY (workspace_id, id)
);

CREATE TABLE deliveries (
    workspace_id      TEXT COLLATE "C" NOT NULL,
    id                TEXT COLLATE "C" NOT NULL,
    webhook_id        TEXT COLLATE "C" NOT NULL,
    event_id          TEXT COLLATE "C" NOT NULL,
    event_type        TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    attempts          BIGINT  NOT NULL DEFAULT 0,
    last_attempt_at   BIGINT,
    last_status_code  BIGINT,
    last_error        TEXT,
    next_attempt_at   BIGINT,
    -- An instance that takes an attempt holds it until then; after a crash another may take it.
    leased_until      BIGINT  NOT NULL DEFAULT 0,
    created_at        BIGINT  NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, webhook_id) REFERENCES webhooks (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON deliveries (workspace_id, webhook_id, id);
CREATE INDEX deliveries_by_age ON deliveries (created_at);

-- The ASP.NET Core Data Protection key ring, shared by every instance on this store.
CREATE TABLE data_protection_keys (
    name  TEXT COLLATE "C" PRIMARY KEY,
    xml   TEXT NOT NULL
);
