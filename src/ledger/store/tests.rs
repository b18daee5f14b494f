//! Schema sections, upgrades from version 1, and the version-2 tables read before an upgrade.

use super::*;

#[test]
fn schema_sections_start_at_version_1_and_end_at_the_current_version() {
    let sections = schema_sections();
    assert_eq!(sections[0].0, 1);
    assert!(sections[0].1.contains("CREATE TABLE entries"));
    assert_eq!(sections.last().map(|s| s.0), Some(SCHEMA_VERSION));
    assert!(schema_views().contains("CREATE VIEW claims"));
    assert!(!sections.iter().any(|(_, sql)| sql.contains("CREATE VIEW")));
}

#[test]
fn settings_read_as_unset_in_a_version_1_file_and_work_after_the_upgrade() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).expect("new file");
        conn.execute_batch(schema_sections()[0].1)
            .expect("v1 tables");
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
        // A reader that cannot upgrade the file sees no settings, witnesses or cosignatures
        // tables: it reads them as empty.
        assert_eq!(setting(&conn, "publisher.name").expect("no table"), None);
        assert!(witnesses(&conn).expect("no table").is_empty());
        assert!(cosignatures_at(&conn, 1).expect("no table").is_empty());
        assert!(cosignatures_from(&conn, 0).expect("no table").is_empty());
    }
    let store = Store::open(&path).expect("opens and upgrades");
    set_setting(&store.conn, "publisher.name", Some("News")).expect("settings table");
    assert_eq!(
        setting(&store.conn, "publisher.name").expect("read"),
        Some("News".into())
    );
    set_setting(&store.conn, "publisher.name", None).expect("unset");
    assert_eq!(setting(&store.conn, "publisher.name").expect("read"), None);
}

#[test]
fn a_version_1_file_is_upgraded_when_opened_for_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v1.db");
    {
        let conn = Connection::open(&path).expect("new file");
        conn.execute_batch(schema_sections()[0].1)
            .expect("v1 tables");
        conn.execute_batch(schema_views()).expect("views");
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
    }
    let store = Store::open(&path).expect("opens and upgrades");
    let version: i64 = store
        .conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, SCHEMA_VERSION);
    drop(store);
    // Opening again is a no-op.
    Store::open(&path).expect("opens again");
}

/// The `entries.kind` CHECK of a file created now, of a version-2 file once upgraded, and what
/// SQLite makes of it.
#[test]
fn the_kind_check_admits_the_four_kinds_without_a_temporary_btree_per_row() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fresh = dir.path().join("fresh.db");
    let v2 = dir.path().join("v2.db");
    drop(Store::create(&fresh).expect("new ledger"));
    {
        let conn = Connection::open(&v2).expect("new file");
        for (since, sql) in schema_sections() {
            if since <= 2 {
                conn.execute_batch(sql).expect("sections 1 and 2");
            }
        }
        conn.execute_batch(schema_views()).expect("views");
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .expect("app id");
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
        let table: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'entries'",
                [],
                |r| r.get(0),
            )
            .expect("entries");
        assert!(table.contains("kind IN ('claim', 'statement', 'key', 'redaction')"));
    }
    for path in [&fresh, &v2] {
        let store = Store::open(path).expect("opens (and upgrades)");
        let conn = &store.conn;
        let table: String = conn
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'entries'",
                [],
                |r| r.get(0),
            )
            .expect("entries");
        assert!(
            table
                .contains("CHECK (kind IN ('claim', 'statement') OR kind IN ('key', 'redaction'))"),
            "{table}"
        );
        let program: Vec<String> = conn
            .prepare("EXPLAIN INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES (?1, ?2, ?3, ?4, ?5)")
            .expect("explain")
            .query_map([rusqlite::types::Null; 5], |r| r.get(1))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("opcodes");
        assert!(
            !program.iter().any(|op| op == "OpenEphemeral"),
            "{program:?}"
        );
        let insert = |idx: i64, kind: &str| {
            conn.execute(
                "INSERT INTO entries (idx, leaf_hash, kind, target_idx, envelope) VALUES (?1, zeroblob(32), ?2, NULL, x'7b7d')",
                params![idx, kind],
            )
        };
        for (idx, kind) in ["claim", "statement", "key", "redaction"]
            .iter()
            .enumerate()
        {
            insert(idx as i64, kind).unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
        for kind in ["Claim", "note", ""] {
            let e = insert(10, kind).expect_err(kind);
            assert!(
                e.to_string().contains("CHECK constraint failed"),
                "{kind}: {e}"
            );
        }
    }
}
