-- A pivot: a strategy change the agent made because the evidence said so, with the evaluation
-- it was made under.
CREATE TABLE pivots (
    workspace_id  TEXT COLLATE "C" NOT NULL,
    id            TEXT COLLATE "C" NOT NULL,
    playbook_id   TEXT COLLATE "C" NOT NULL,
    from_version  BIGINT           NOT NULL,
    to_version    BIGINT           NOT NULL,
    reason        TEXT             NOT NULL,
    evaluation    TEXT             NOT NULL,
    created_at    BIGINT           NOT NULL,
    created_by    TEXT             NOT NULL,
    PRIMARY KEY (workspace_id, id),
    FOREIGN KEY (workspace_id, playbook_id) REFERENCES playbooks (workspace_id, id) ON DELETE CASCADE
);

CREATE INDEX pivots_by_playbook ON pivots (workspace_id, playbook_id, created_at);
CREATE INDEX outcomes_by_playbook_version ON outcomes (workspace_id, playbook_id, spec_version);
