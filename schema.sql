-- claimledger schema, version 3 (PRAGMA user_version = 3, set by the code after this script).
--
-- Sections: the tables and triggers of version 1 come first; each later version's additions
-- follow a `-- @since N` line, and a file written by an older claimledger is upgraded by running
-- the sections above its version (src/ledger/store.rs). The views follow `-- @views`; they are
-- derived and re-created on every upgrade.
--
-- The authoritative data are the envelope and payload bytes; every other column is derived
-- from them for queries, and `claimledger audit` checks that it agrees.
-- Append-only: triggers refuse UPDATE and DELETE on every table holding history.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,   -- 'origin', 'log_vkey', 'operator_key_path', 'created_at'
    value TEXT NOT NULL
) STRICT;

CREATE TABLE entries (
    idx        INTEGER PRIMARY KEY CHECK (idx >= 0),  -- leaf index, 0-based, dense
    leaf_hash  BLOB NOT NULL CHECK (length(leaf_hash) = 32),  -- SHA-256(0x00 || envelope)
    kind       TEXT NOT NULL CHECK (kind IN ('claim', 'statement', 'key')),  -- envelope.kind
    target_idx INTEGER CHECK (target_idx IS NULL OR target_idx < idx),  -- envelope.target.index
    envelope   BLOB NOT NULL  -- canonical JSON (RFC 8785), exactly as signed; the Merkle leaf
) STRICT;
CREATE INDEX entries_by_leaf_hash ON entries (leaf_hash);
CREATE INDEX entries_by_target ON entries (target_idx) WHERE target_idx IS NOT NULL;
CREATE INDEX entries_keys ON entries (idx) WHERE kind = 'key';

CREATE TABLE payloads (
    idx     INTEGER PRIMARY KEY REFERENCES entries (idx),  -- same index as its envelope
    payload BLOB NOT NULL  -- canonical JSON; SHA-256 equals envelope.payload_sha256
) STRICT;

CREATE TABLE tree_nodes (
    level INTEGER NOT NULL CHECK (level >= 0),  -- 0 = leaf hashes
    idx   INTEGER NOT NULL CHECK (idx >= 0),    -- covers leaves [idx << level, (idx + 1) << level)
    hash  BLOB NOT NULL CHECK (length(hash) = 32),  -- RFC 6962 hash of that complete subtree
    PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;

CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY CHECK (size >= 0),  -- tree size it covers
    root BLOB NOT NULL CHECK (length(root) = 32),  -- RFC 6962 root at that size
    note TEXT NOT NULL  -- the C2SP signed note, byte for byte as published
) STRICT;

CREATE TRIGGER meta_fixed_update BEFORE UPDATE ON meta
    WHEN OLD.key IN ('origin', 'log_vkey', 'created_at')
    BEGIN SELECT RAISE(ABORT, 'the ledger origin and log key never change'); END;
CREATE TRIGGER meta_fixed_delete BEFORE DELETE ON meta
    WHEN OLD.key IN ('origin', 'log_vkey', 'created_at')
    BEGIN SELECT RAISE(ABORT, 'the ledger origin and log key never change'); END;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
    BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
    BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
CREATE TRIGGER payloads_no_update BEFORE UPDATE ON payloads
    BEGIN SELECT RAISE(ABORT, 'payloads are append-only'); END;
CREATE TRIGGER payloads_no_delete BEFORE DELETE ON payloads
    BEGIN SELECT RAISE(ABORT, 'payloads are append-only'); END;
CREATE TRIGGER tree_nodes_no_update BEFORE UPDATE ON tree_nodes
    BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;
CREATE TRIGGER tree_nodes_no_delete BEFORE DELETE ON tree_nodes
    BEGIN SELECT RAISE(ABORT, 'tree nodes are append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;

-- @since 2
-- (this round's additions: each feature's tables and triggers under its own heading; written
-- IF NOT EXISTS so that a file already holding some of them upgrades cleanly)

-- settings
-- The ledger's configuration (`claimledger config`): who publishes it, where it is served.
-- Configuration, not history: rows may change, nothing here is signed or proved, and audit
-- ignores the table.
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,  -- 'publisher.name', 'publisher.url', 'publisher.ledger_url'
    value TEXT NOT NULL      -- as set; checked by the code (src/ledger/settings.rs)
) STRICT;

-- redaction (docs/FORMAT.md §5.7, §7.8)
-- The kind `redaction` joins the kinds of version 1. SQLite cannot ALTER a CHECK constraint;
-- widening one by editing its text in sqlite_schema is the procedure SQLite's ALTER TABLE
-- documentation gives for changing constraints that existing rows already satisfy (the code
-- that runs this section on an older file then bumps the schema cookie). A no-op when done.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'kind IN (''claim'', ''statement'', ''key'')',
                          'kind IN (''claim'', ''statement'', ''key'', ''redaction'')')
 WHERE type = 'table' AND name = 'entries'
   AND instr(sql, '''key'', ''redaction''') = 0;
PRAGMA writable_schema = RESET;
-- A payload row may be deleted only once a redaction entry naming its index is stored, and
-- only when that entry is a claim or a statement; nothing else in history may be deleted.
DROP TRIGGER IF EXISTS payloads_no_delete;
CREATE TRIGGER IF NOT EXISTS payloads_no_delete BEFORE DELETE ON payloads
    WHEN NOT EXISTS (
        SELECT 1 FROM entries r JOIN entries t ON t.idx = r.target_idx
         WHERE r.kind = 'redaction' AND r.target_idx = OLD.idx
           AND t.kind IN ('claim', 'statement'))
    BEGIN SELECT RAISE(ABORT, 'payloads are append-only; only a redaction entry naming this index removes one'); END;
-- A withheld payload never comes back.
CREATE TRIGGER IF NOT EXISTS payloads_not_after_redaction BEFORE INSERT ON payloads
    WHEN EXISTS (SELECT 1 FROM entries r WHERE r.kind = 'redaction' AND r.target_idx = NEW.idx)
    BEGIN SELECT RAISE(ABORT, 'this payload was withheld by a redaction and cannot be stored again'); END;

-- decisions from envelope bytes (#12)
-- Appends and reads find key entries and statements by what their signed envelope says, not by
-- the `kind` / `target_idx` columns (which anyone with write access to the file could edit):
-- SQLite computes these index keys from the envelope bytes itself.
CREATE INDEX IF NOT EXISTS entries_keys_by_envelope ON entries (idx)
    WHERE json_extract(CAST(envelope AS TEXT), '$.kind') = 'key';
CREATE INDEX IF NOT EXISTS entries_by_envelope_target ON entries (json_extract(CAST(envelope AS TEXT), '$.target.index'));

-- witnesses
-- The witnesses `claimledger cosign` asks (C2SP tlog-witness). Configuration, not history: the
-- operator adds and removes rows, so there is no append-only trigger and nothing here is proved.
CREATE TABLE IF NOT EXISTS witnesses (
    vkey     TEXT PRIMARY KEY,  -- the witness's cosignature verifier key (C2SP vkey, type 0x04)
    url      TEXT NOT NULL,     -- tlog-witness prefix URL; requests go to <url>/add-checkpoint
    added_at TEXT NOT NULL      -- RFC 3339 UTC, when `witness add` ran
) STRICT;

-- Cosignatures returned by witnesses, each kept with the checkpoint it signs. History: a
-- witness's cosignature is evidence of what it saw, so rows are never changed or removed.
CREATE TABLE IF NOT EXISTS cosignatures (
    size         INTEGER NOT NULL REFERENCES checkpoints (size),  -- the checkpoint it cosigns
    witness_vkey TEXT NOT NULL,  -- who cosigned (vkey text; may outlive its witnesses row)
    line         TEXT NOT NULL,  -- the cosignature line as returned, without its newline
    PRIMARY KEY (size, witness_vkey)
) STRICT;
CREATE TRIGGER IF NOT EXISTS cosignatures_no_update BEFORE UPDATE ON cosignatures
    BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS cosignatures_no_delete BEFORE DELETE ON cosignatures
    BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;

-- replicas (claimledger mirror)
-- A replica's meta holds `replica_of` (where its log is copied from; a later run from another
-- location of the same log updates it). It is never removed: without it the file would take
-- local appends, and a copy of another log's history would become a log of its own.
CREATE TRIGGER IF NOT EXISTS meta_replica_kept BEFORE DELETE ON meta
    WHEN OLD.key = 'replica_of'
    BEGIN SELECT RAISE(ABORT, 'a replica stays a replica: replica_of is never removed'); END;

-- @since 3
-- The same `kind` CHECK, written as two lists of two. SQLite evaluates an IN list of more than
-- two constants inside a CHECK by building a temporary b-tree for every row inserted (an eighth
-- of a mirror's SQLite time); it compares a list of two directly. Same procedure as version 2.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'kind IN (''claim'', ''statement'', ''key'', ''redaction'')',
                          'kind IN (''claim'', ''statement'') OR kind IN (''key'', ''redaction'')')
 WHERE type = 'table' AND name = 'entries';
PRAGMA writable_schema = RESET;

-- @views
-- Readable views for the sqlite3 shell and Datasette. They read the JSON; they prove nothing.

-- Every redaction: which entry's payload it withholds, the category and the stated reason.
CREATE VIEW redactions AS
SELECT
    e.idx AS "index",
    e.target_idx AS target_index,
    json_extract(CAST(e.envelope AS TEXT), '$.recorded_at') AS recorded_at,
    json_extract(CAST(p.payload AS TEXT), '$.category') AS category,
    json_extract(CAST(p.payload AS TEXT), '$.reason') AS reason,
    'withheld by redaction #' || e.idx || ' ('
        || json_extract(CAST(p.payload AS TEXT), '$.category') || ')' AS withheld
FROM entries e LEFT JOIN payloads p USING (idx)
WHERE e.kind = 'redaction';

-- Every key grant and revocation, with the recorder's current status.
CREATE VIEW keys AS
SELECT
    e.idx AS "index",
    json_extract(CAST(p.payload AS TEXT), '$.action') AS action,
    json_extract(CAST(p.payload AS TEXT), '$.name') AS name,
    json_extract(CAST(p.payload AS TEXT), '$.role') AS role,
    json_extract(CAST(p.payload AS TEXT), '$.reason') AS reason,
    json_extract(CAST(p.payload AS TEXT), '$.vkey') AS vkey,
    json_extract(CAST(e.envelope AS TEXT), '$.recorded_at') AS recorded_at
FROM entries e JOIN payloads p USING (idx)
WHERE e.kind = 'key';

-- Who signed each entry, by the name in the latest grant of their key.
CREATE VIEW recorders AS
SELECT
    e.idx AS "index",
    json_extract(CAST(e.envelope AS TEXT), '$.signer') AS signer,
    (SELECT k.name FROM keys k
      WHERE k.vkey = json_extract(CAST(e.envelope AS TEXT), '$.signer') AND k.action = 'grant'
      ORDER BY k."index" DESC LIMIT 1) AS recorder
FROM entries e;

-- `statements` counts the claim's whole history (statements about it, or about those statements,
-- at any depth): the number the API's `statements` member and the claim page show. `replies`
-- counts only those about the claim itself.
CREATE VIEW claims AS
SELECT
    e.idx AS "index",
    lower(hex(e.leaf_hash)) AS leaf_hash,
    json_extract(CAST(e.envelope AS TEXT), '$.recorded_at') AS recorded_at,
    json_extract(CAST(p.payload AS TEXT), '$.claimant.name') AS claimant,
    json_extract(CAST(p.payload AS TEXT), '$.claimed_on') AS claimed_on,
    coalesce(json_extract(CAST(p.payload AS TEXT), '$.text'),
             (SELECT x.withheld FROM redactions x WHERE x.target_index = e.idx LIMIT 1)) AS text,
    (SELECT group_concat(value, '; ') FROM json_each(CAST(p.payload AS TEXT), '$.subjects')) AS subjects,
    r.recorder AS recorder,
    (WITH RECURSIVE thread(idx) AS (
         SELECT s.idx FROM entries s WHERE s.target_idx = e.idx AND s.kind = 'statement'
         UNION SELECT s.idx FROM entries s JOIN thread t ON s.target_idx = t.idx
                WHERE s.kind = 'statement')
     SELECT count(*) FROM thread) AS statements,
    (SELECT count(*) FROM entries s WHERE s.target_idx = e.idx AND s.kind = 'statement') AS replies
FROM entries e LEFT JOIN payloads p USING (idx) JOIN recorders r ON r."index" = e.idx
WHERE e.kind = 'claim';

CREATE VIEW statements AS
SELECT
    e.idx AS "index",
    e.target_idx AS target_index,
    json_extract(CAST(e.envelope AS TEXT), '$.recorded_at') AS recorded_at,
    json_extract(CAST(p.payload AS TEXT), '$.stance') AS stance,
    json_extract(CAST(p.payload AS TEXT), '$.speaker.name') AS speaker,
    json_extract(CAST(p.payload AS TEXT), '$.stated_on') AS stated_on,
    coalesce(json_extract(CAST(p.payload AS TEXT), '$.text'),
             (SELECT x.withheld FROM redactions x WHERE x.target_index = e.idx LIMIT 1)) AS text,
    json_extract(CAST(p.payload AS TEXT), '$.rating.label') AS rating,
    json_extract(CAST(p.payload AS TEXT), '$.rating.value') AS rating_value,
    json_extract(CAST(p.payload AS TEXT), '$.rating.best') AS best_rating,
    json_extract(CAST(p.payload AS TEXT), '$.rating.worst') AS worst_rating,
    json_extract(CAST(p.payload AS TEXT), '$.rating.review_url') AS review_url,
    r.recorder AS recorder
FROM entries e LEFT JOIN payloads p USING (idx) JOIN recorders r ON r."index" = e.idx
WHERE e.kind = 'statement';

CREATE VIEW figures AS
SELECT
    e.idx AS "index",
    e.kind AS kind,
    json_extract(f.value, '$.subject') AS subject,
    json_extract(f.value, '$.property') AS property,
    json_extract(f.value, '$.scope') AS scope,
    json_extract(f.value, '$.value') AS value,
    json_extract(f.value, '$.precision') AS precision,
    json_extract(f.value, '$.unit') AS unit,
    json_extract(f.value, '$.as_stated') AS as_stated,
    coalesce(json_extract(CAST(p.payload AS TEXT), '$.claimant.name'),
             json_extract(CAST(p.payload AS TEXT), '$.speaker.name')) AS speaker,
    coalesce(json_extract(CAST(p.payload AS TEXT), '$.stance'), 'claims') AS stance,
    json_extract(CAST(p.payload AS TEXT), '$.rating.label') AS rating
FROM entries e JOIN payloads p USING (idx), json_each(CAST(p.payload AS TEXT), '$.figures') f
WHERE e.kind IN ('claim', 'statement');
