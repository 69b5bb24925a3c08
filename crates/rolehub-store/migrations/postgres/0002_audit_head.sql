-- The head of each org's audit chain, so that deleting the newest events is detected too.
ALTER TABLE orgs ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN audit_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
