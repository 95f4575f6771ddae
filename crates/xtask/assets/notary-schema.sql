-- notary-server 0.7.0's PostgreSQL schema (server storage), written for the MSR Lens stack
-- from the facts in shared/reference/notary-peer.md. notary-server does not create its
-- schema itself. Idempotent: `cargo xtask stack up` applies it on every start.
-- Run as the role `server` in the database `notaryserver`.

CREATE TABLE IF NOT EXISTS tuf_files (
    id         serial PRIMARY KEY,
    created_at timestamp NULL DEFAULT NULL,
    updated_at timestamp NULL DEFAULT NULL,
    deleted_at timestamp NULL DEFAULT NULL,
    gun        varchar(255) NOT NULL,
    role       varchar(255) NOT NULL,
    version    integer NOT NULL,
    data       bytea NOT NULL,
    sha256     char(64) DEFAULT NULL,
    UNIQUE (gun, role, version)
);

CREATE INDEX IF NOT EXISTS tuf_files_sha256_idx ON tuf_files (sha256);

CREATE TABLE IF NOT EXISTS change_category (
    category varchar(20) PRIMARY KEY
);

INSERT INTO change_category (category) VALUES ('update'), ('deletion')
    ON CONFLICT (category) DO NOTHING;

-- One row per published timestamp (category 'update') or per `notary delete --remote`
-- (category 'deletion', version 0, sha256 '' which char(64) pads to 64 spaces).
CREATE TABLE IF NOT EXISTS changefeed (
    id         serial PRIMARY KEY,
    created_at timestamp DEFAULT CURRENT_TIMESTAMP,
    gun        varchar(255) NOT NULL,
    version    integer NOT NULL,
    sha256     char(64) DEFAULT NULL,
    category   varchar(20) NOT NULL DEFAULT 'update' REFERENCES change_category (category)
);

CREATE INDEX IF NOT EXISTS idx_changefeed_gun ON changefeed (gun);
