-- dnsauth's DMARC aggregate report database (SQLite, WAL). Written by
-- `dnsauth-validate reports ingest`, read by `reports summary|advise|html`; documented in the
-- README ("The report database"). Every statement is idempotent: the store runs this file at
-- every open. user_version is the schema version. REFERENCES say what refers to what; they are
-- not enforced (the store writes a report, its records and their auth_results in one
-- transaction with ids it assigns).
PRAGMA user_version = 1;

-- One row per aggregate report (RFC 7489 7.2.1.1 <report_metadata> and <policy_published>).
-- A report is the same report when the same organization sends the same report_id again
-- (a re-sent mail, the same file ingested twice): it is stored once.
CREATE TABLE IF NOT EXISTS reports (
  id                 INTEGER PRIMARY KEY,
  org_name           TEXT    NOT NULL,
  report_id          TEXT    NOT NULL,
  email              TEXT    NOT NULL DEFAULT '',
  extra_contact_info TEXT    NOT NULL DEFAULT '',
  generator          TEXT    NOT NULL DEFAULT '',
  schema             TEXT    NOT NULL,             -- rfc7489 | dmarc.org-0.2 | dmarcbis
  version            TEXT    NOT NULL DEFAULT '',
  date_begin         INTEGER NOT NULL,             -- seconds since the epoch, UTC
  date_end           INTEGER NOT NULL,
  domain             TEXT    NOT NULL,             -- policy_published, lowercase
  adkim              TEXT    NOT NULL DEFAULT '',
  aspf               TEXT    NOT NULL DEFAULT '',
  p                  TEXT    NOT NULL DEFAULT '',
  sp                 TEXT    NOT NULL DEFAULT '',
  np                 TEXT    NOT NULL DEFAULT '',
  pct                INTEGER,                      -- NULL when not reported
  fo                 TEXT    NOT NULL DEFAULT '',
  testing            TEXT    NOT NULL DEFAULT '',
  errors             TEXT    NOT NULL DEFAULT '',  -- <error> texts, one per line
  source             TEXT    NOT NULL,             -- the file (and member) it came from
  ingested_at        INTEGER NOT NULL,
  UNIQUE (org_name, report_id)
);
CREATE INDEX IF NOT EXISTS reports_domain ON reports (domain, date_begin);

-- One row per <record>: count messages from source_ip, evaluated alike. The records of one
-- report have consecutive ids. No index on report: appending is what ingest does most, and a
-- query that wants one (SQLite builds an automatic one when a join needs it) pays for it then.
CREATE TABLE IF NOT EXISTS records (
  id            INTEGER PRIMARY KEY,
  report        INTEGER NOT NULL REFERENCES reports (id),
  source_ip     TEXT    NOT NULL,
  count         INTEGER NOT NULL,
  disposition   TEXT    NOT NULL,        -- none | quarantine | reject | pass (DMARCbis)
  dkim          TEXT    NOT NULL,        -- policy_evaluated: DKIM aligned pass | fail
  spf           TEXT    NOT NULL,        -- policy_evaluated: SPF aligned pass | fail
  reasons       TEXT    NOT NULL DEFAULT '',  -- "type" or "type: comment", one per line
  header_from   TEXT    NOT NULL,        -- lowercase
  envelope_from TEXT    NOT NULL DEFAULT '',
  envelope_to   TEXT    NOT NULL DEFAULT ''
);

-- The raw <auth_results> of each record, in the report's order (ordinal): kind 'dkim' with
-- domain, selector; kind 'spf' with domain, scope. A plain rowid table without an index, for
-- the same reason (a WITHOUT ROWID table keyed on (record, ordinal) halved the ingest rate).
CREATE TABLE IF NOT EXISTS auth_results (
  record       INTEGER NOT NULL REFERENCES records (id),
  ordinal      INTEGER NOT NULL,
  kind         TEXT    NOT NULL,         -- dkim | spf
  domain       TEXT    NOT NULL,         -- lowercase
  selector     TEXT    NOT NULL DEFAULT '',  -- dkim
  scope        TEXT    NOT NULL DEFAULT '',  -- spf: helo | mfrom | ''
  result       TEXT    NOT NULL,
  human_result TEXT    NOT NULL DEFAULT ''
);

-- Inputs that were not stored, with why: a document that does not parse, a message without a
-- report, an archive member over the limits. Kept so that a person can look; a re-run that
-- rejects the same input for the same reason adds nothing.
CREATE TABLE IF NOT EXISTS rejected (
  id      INTEGER PRIMARY KEY,
  source  TEXT    NOT NULL,
  reason  TEXT    NOT NULL,
  seen_at INTEGER NOT NULL,
  UNIQUE (source, reason)
);
