-- `cargo xtask stack load N`: N realistic changefeed records in ONE statement, straight into
-- notary-server's table (notary serves them exactly like published ones; only records made
-- by a real publish have timestamp metadata behind their sha256).
-- psql variables: n (records), host (registry host, the GUN prefix), days (history span),
-- until (the newest time a record may have: 'now', or a time before records held).
--
-- * GUNs: <host>/<namespace>/<repo> over 8 namespaces x 20 repositories, minus the GUNs
--   that `stack seed` publishes for real (their versions come from real trust data);
--   popularity is skewed (a few hot repositories, a long tail).
-- * ~3% deletions: Version 0, sha256 '' (char(64) pads it to 64 spaces, as notary's SQL
--   storage does); only a GUN that currently exists is deleted, never twice in a row.
-- * Versions continue each GUN's current version (from the rows already in the table) and
--   restart at 1 after a deletion.
-- * created_at is spread over the :days days before :until (but never before the newest
--   existing record) and strictly increases with id, so id order and time order agree.
WITH
guns AS (
    SELECT array_agg(:'host' || '/' || ns || '/' || repo ORDER BY md5(ns || '/' || repo)) AS a
    FROM unnest(ARRAY['library', 'engineering', 'security', 'platform', 'data', 'payments',
                      'mobile', 'ml']) AS ns,
         unnest(ARRAY['api', 'web', 'worker', 'gateway', 'auth', 'billing', 'search',
                      'frontend', 'backend', 'scheduler', 'exporter', 'ingest', 'cache',
                      'proxy', 'toolbox', 'base', 'runner', 'notifier', 'reports', 'cli']) AS repo
    WHERE ns || '/' || repo NOT IN ('library/wordpress', 'library/nginx', 'engineering/api',
                                    'engineering/web', 'security/scanner', 'platform/base')
),
bounds AS (
    SELECT t_start,
           greatest(extract(epoch FROM :'until'::timestamp - t_start) * 1e6, :n) / :n AS step_us
    FROM (SELECT greatest(:'until'::timestamp - make_interval(days => :days),
                          coalesce(max(created_at), '-infinity') + interval '1 microsecond')
                 AS t_start
          FROM changefeed) AS newest
),
cur AS (
    SELECT DISTINCT ON (gun) gun, CASE WHEN category = 'deletion' THEN 0 ELSE version END AS v
    FROM changefeed
    WHERE gun LIKE :'host' || '/%'
    ORDER BY gun, id DESC
),
g AS (
    SELECT s.i,
           guns.a[1 + floor(power(random(), 2) * cardinality(guns.a))::int] AS gun,
           random() < 0.03 AS del0
    FROM generate_series(1, :n) AS s(i) CROSS JOIN guns
),
b AS (
    SELECT g.i, g.gun, g.del0, coalesce(cur.v, 0) AS base,
           row_number() OVER w AS nth, lag(g.del0) OVER w AS prev_del0
    FROM g LEFT JOIN cur ON cur.gun = g.gun
    WINDOW w AS (PARTITION BY g.gun ORDER BY g.i)
),
c AS (
    SELECT *, CASE WHEN NOT del0 THEN false
                   WHEN nth = 1 THEN base > 0
                   ELSE NOT prev_del0 END AS del
    FROM b
),
d AS (
    SELECT *, sum(del::int) OVER (PARTITION BY gun ORDER BY i) AS epoch FROM c
),
e AS (
    SELECT *, row_number() OVER (PARTITION BY gun, epoch ORDER BY i) AS rn FROM d
)
INSERT INTO changefeed (created_at, gun, version, sha256, category)
SELECT bounds.t_start + make_interval(secs => ((e.i - 1)
               + CASE WHEN bounds.step_us >= 10 THEN 0.8 * random() ELSE 0 END)
               * bounds.step_us / 1e6),
       e.gun,
       CASE WHEN e.del THEN 0 WHEN e.epoch = 0 THEN e.base + e.rn ELSE e.rn - 1 END,
       CASE WHEN e.del THEN ''
            ELSE encode(sha256(convert_to(e.gun || '#' || e.i || '#' || random(), 'UTF8')), 'hex')
       END,
       CASE WHEN e.del THEN 'deletion' ELSE 'update' END
FROM e CROSS JOIN bounds
ORDER BY e.i;
