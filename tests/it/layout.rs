//! The layout shows the layers: the verification core under src/format/ stays pure, and
//! docs/DESIGN.md's tree names every file under src/.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Names that would make the core touch SQLite, files or the network.
const IMPURE: &[&str] = &["rusqlite", "std::fs", "std::net"];

#[test]
fn format_names_no_sqlite_file_or_network_io() {
    let mut files = Vec::new();
    rust_files(&root().join("src/format"), &mut files);
    assert!(files.len() >= 12, "src/format/ holds the core: {files:?}");
    let mut offenders = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("source is UTF-8");
        for (n, line) in text.lines().enumerate() {
            for word in IMPURE {
                if line.contains(word) {
                    offenders.push(format!("{}:{}: {word}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "src/format/ must stay pure (no SQLite, no file or network I/O):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn design_tree_names_every_source_file() {
    let design = std::fs::read_to_string(root().join("docs/DESIGN.md")).expect("docs/DESIGN.md");
    let start = design
        .find("```\nsrc/\n")
        .expect("DESIGN.md has the src/ tree");
    let end = start
        + 4
        + design[start + 4..]
            .find("```")
            .expect("the tree block ends");
    let tree = &design[start..end];
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut missing = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(root().join("src")).expect("under src/");
        // The tree indents each folder under its parent and lists file names on its lines.
        let name = rel
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let folder_listed = rel
            .parent()
            .map(|p| {
                p.iter()
                    .all(|c| tree.contains(&format!("{}/", c.to_string_lossy())))
            })
            .unwrap_or(true);
        if !folder_listed || !tree.contains(&name) {
            missing.push(rel.display().to_string());
        }
    }
    assert!(
        missing.is_empty(),
        "docs/DESIGN.md's tree lacks: {missing:?}"
    );
}
