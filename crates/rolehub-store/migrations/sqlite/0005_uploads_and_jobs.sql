-- CSV uploads kept between their preview and their application, and the import jobs that apply
-- them, in the database so that any server can confirm a preview or report a job's progress.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_changed INTEGER NOT NULL,
    rows_with_errors INTEGER NOT NULL
);
CREATE INDEX uploads_by_person ON uploads (person_id, created_at);
CREATE INDEX uploads_by_expiry ON uploads (expires_at);

-- The row results of an upload's last check or application: its changes and its problems.
CREATE TABLE upload_rows (
    upload_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    row_no INTEGER NOT NULL,
    email TEXT,
    column_name TEXT,
    rule_id TEXT,
    message TEXT NOT NULL,
    PRIMARY KEY (upload_id, kind, seq)
);

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    actor_email TEXT NOT NULL,
    upload_id TEXT NOT NULL,
    partial INTEGER NOT NULL,
    lang TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_addr TEXT,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    lease_until INTEGER,
    attempts INTEGER NOT NULL,
    rows_total INTEGER NOT NULL,
    rows_done INTEGER NOT NULL,
    rows_applied INTEGER NOT NULL,
    rows_with_errors INTEGER NOT NULL,
    error_rule TEXT,
    error_message TEXT
);
CREATE INDEX jobs_runnable ON jobs (state, created_at);
CREATE INDEX jobs_by_person ON jobs (person_id, created_at);
