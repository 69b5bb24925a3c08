-- Sign-in attempts, counted in the database so that every server sees the same ones.
CREATE TABLE sign_in_attempts (
    id TEXT NOT NULL,
    subject TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX sign_in_attempts_by_key ON sign_in_attempts (subject, at);
CREATE INDEX sign_in_attempts_by_id ON sign_in_attempts (id);
