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
