-- Rolehub schema, PostgreSQL. Migrations are only ever added, never edited.
CREATE TABLE orgs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    partner_org TEXT,
    partner_status TEXT,
    cc_enabled BIGINT NOT NULL DEFAULT 0,
    cc_chat_configured BIGINT NOT NULL DEFAULT 0,
    cc_setup_completed BIGINT NOT NULL DEFAULT 0,
    calling_enabled BIGINT NOT NULL DEFAULT 0,
    events_enabled BIGINT NOT NULL DEFAULT 0,
    external_readonly_ttl_days BIGINT NOT NULL DEFAULT 14,
    share_with_external TEXT NOT NULL DEFAULT 'name,email,phone,location',
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE TABLE sites (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    url TEXT NOT NULL,
    managed_by TEXT NOT NULL,
    PRIMARY KEY (org_id, url)
);
CREATE TABLE locations (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE TABLE subscriptions (
    org_id TEXT NOT NULL REFERENCES orgs(id),
    id TEXT NOT NULL,
    seller_org TEXT,
    trial BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE TABLE subscription_licenses (
    org_id TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    license TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (org_id, subscription_id, license)
);
CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL DEFAULT '',
    last_name TEXT NOT NULL DEFAULT '',
    display_name TEXT NOT NULL DEFAULT '',
    home_org TEXT NOT NULL REFERENCES orgs(id),
    status TEXT NOT NULL,
    location TEXT,
    phone TEXT,
    signed_in_at BIGINT,
    invited_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX persons_by_org ON persons (home_org, email);
CREATE TABLE person_licenses (
    person_id TEXT NOT NULL REFERENCES persons(id),
    org_id TEXT NOT NULL,
    license TEXT NOT NULL,
    assigned_at BIGINT NOT NULL,
    PRIMARY KEY (person_id, license)
);
CREATE INDEX person_licenses_by_org ON person_licenses (org_id, license);
CREATE TABLE grants (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    role TEXT NOT NULL,
    site TEXT,
    locations TEXT,
    granted_by TEXT,
    granted_at BIGINT NOT NULL,
    expires_at BIGINT,
    expiry_recorded BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX grants_by_org ON grants (org_id, person_id);
CREATE INDEX grants_by_person ON grants (person_id);
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_email TEXT,
    actor_org TEXT,
    action TEXT NOT NULL,
    target_id TEXT,
    target_email TEXT,
    before_json TEXT,
    after_json TEXT,
    outcome TEXT NOT NULL,
    rule_id TEXT,
    message TEXT,
    request_id TEXT NOT NULL,
    client_addr TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (org_id, seq)
);
CREATE INDEX audit_events_by_time ON audit_events (org_id, at);
