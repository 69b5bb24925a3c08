-- Every change to an org takes its lock by bumping its version; this tells every server listening
-- on `rolehub_org_changed` which org changed, when (and only if) the change commits. Servers use
-- it to stop trusting the org states they keep in memory (the store's `caches` and `changes`).
CREATE FUNCTION orgs_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rolehub_org_changed', NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER orgs_changed AFTER UPDATE OF version ON orgs
    FOR EACH ROW EXECUTE FUNCTION orgs_notify_changed();
