-- Enterprise sign-in: an org's OpenID Connect provider, its second-factor policy, TOTP and
-- recovery codes of password accounts, break-glass accounts, pending sign-ins (kept in the
-- database so that any server can finish them), and sessions' last activity and method.
CREATE TABLE org_sso (
    org_id TEXT PRIMARY KEY REFERENCES orgs(id),
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    enforced INTEGER NOT NULL DEFAULT 0,
    just_in_time INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    updated_by TEXT
);
ALTER TABLE orgs ADD COLUMN mfa_required TEXT NOT NULL DEFAULT 'none';
ALTER TABLE persons ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN totp_secret TEXT;
ALTER TABLE persons ADD COLUMN totp_pending TEXT;
ALTER TABLE persons ADD COLUMN totp_last_step INTEGER;
CREATE TABLE recovery_codes (
    person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (person_id, hash)
);
CREATE TABLE pending_sign_ins (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    org_id TEXT,
    person_id TEXT REFERENCES persons(id) ON DELETE CASCADE,
    nonce TEXT,
    verifier TEXT,
    method TEXT,
    binding TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX pending_sign_ins_by_expiry ON pending_sign_ins (expires_at);
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER;
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
