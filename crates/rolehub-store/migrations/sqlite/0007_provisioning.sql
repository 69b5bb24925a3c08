-- SCIM provisioning: the identity provider's id of a person, when a person last changed, and the
-- provider's groups, each of which may give its members one role of the org.
ALTER TABLE persons ADD COLUMN external_id TEXT;
ALTER TABLE persons ADD COLUMN modified_at INTEGER;
CREATE INDEX persons_by_external_id ON persons (home_org, external_id);
CREATE TABLE scim_groups (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES orgs(id),
    display_name TEXT NOT NULL,
    external_id TEXT,
    role TEXT,
    created_at INTEGER NOT NULL,
    modified_at INTEGER NOT NULL,
    UNIQUE (org_id, display_name)
);
CREATE TABLE scim_group_members (
    group_id TEXT NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
    person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX scim_group_members_by_person ON scim_group_members (person_id);
