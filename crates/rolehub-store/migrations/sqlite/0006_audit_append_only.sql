-- The audit log is append-only: no statement may change or remove an event. Someone able to drop
-- these triggers can still rewrite it; the signed checkpoints kept outside the database catch that.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: they cannot be changed');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events are append-only: they cannot be removed');
END;
