//! The folder of a file claimledger creates: which folder it is, and making a new entry in it
//! durable.

use std::path::Path;

/// The folder holding `path` ("." for a bare file name).
pub(crate) fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Make the directory entry of a file just created, linked or renamed at `path` durable (an
/// fsync of its folder). Some file systems cannot; callers that may go on without it ignore the
/// error.
pub(crate) fn sync_parent(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(parent_of(path))?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}
