//! Published objects as files under a local directory (a static web root).

use super::{Cache, ObjectError, Objects, check_path};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The folder under the root where objects are written before they are renamed into place
/// (same file system, so the rename is atomic). A web server should not serve it
/// (docs/EMBEDDING.md); it only ever holds objects being written, or left by a killed writer.
pub const SCRATCH: &str = ".claimledger-tmp";

/// Distinguishes the scratch files of one process's concurrent puts.
static NEXT_TMP: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Remove scratch files left by writers that no longer run (a killed publish): they may hold
/// bytes a later redaction withholds, and nothing else would ever remove them.
fn clear_scratch(root: &Path) {
    let Ok(entries) = std::fs::read_dir(root.join(SCRATCH)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_none_or(|p| !crate::process::alive(p)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A directory holding a published log; object `a/b` is the file `<root>/a/b`.
///
/// A directory cannot keep a content type or cache lifetime with a file: the web server in
/// front of it sets them (docs/EMBEDDING.md shows how).
#[derive(Debug)]
pub struct DirObjects {
    root: PathBuf,
}

impl DirObjects {
    /// Use an existing directory. MUST NOT create it: a mistyped path fails instead.
    pub fn open(root: impl AsRef<Path>) -> Result<DirObjects, ObjectError> {
        let root = root.as_ref();
        match std::fs::metadata(root) {
            Ok(m) if m.is_dir() => {
                clear_scratch(root);
                Ok(DirObjects {
                    root: root.to_path_buf(),
                })
            }
            Ok(_) => Err(ObjectError::BadLocation {
                given: root.display().to_string(),
                detail: "not a directory".into(),
            }),
            Err(e) => Err(ObjectError::BadLocation {
                given: root.display().to_string(),
                detail: format!(
                    "{e}; create the directory first (claimledger never creates the folder it is told to use)"
                ),
            }),
        }
    }

    fn file(&self, path: &str) -> Result<PathBuf, ObjectError> {
        check_path(&self.describe(), path)?;
        Ok(self.root.join(path))
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ObjectError + '_ {
    move |source| ObjectError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl Objects for DirObjects {
    fn get(&self, path: &str, limit: u64) -> Result<Option<Vec<u8>>, ObjectError> {
        let file = self.file(path)?;
        let f = match std::fs::File::open(&file) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(&file)(e)),
        };
        let mut bytes = Vec::new();
        // One byte past the limit tells "too large" from "exactly the limit".
        f.take(limit.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(io(&file))?;
        if bytes.len() as u64 > limit {
            return Err(ObjectError::TooLarge {
                location: self.describe(),
                path: path.to_string(),
                limit,
            });
        }
        Ok(Some(bytes))
    }

    fn put(
        &self,
        path: &str,
        bytes: &[u8],
        _content_type: &str,
        _cache: Cache,
    ) -> Result<(), ObjectError> {
        let file = self.file(path)?;
        let parent = file.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        // Write in the scratch folder, then rename over: a reader (or a crash) never sees half
        // an object, and what a killed writer leaves is in one place, removed by the next open.
        let scratch = self.root.join(SCRATCH);
        std::fs::create_dir_all(&scratch).map_err(io(&scratch))?;
        let tmp = scratch.join(format!(
            "{}-{}",
            std::process::id(),
            NEXT_TMP.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            // On Linux one `sync` (syncfs) makes every put durable at once, before the
            // checkpoint; elsewhere each put is flushed here.
            if !cfg!(target_os = "linux") {
                f.sync_all().map_err(io(&tmp))?;
            }
            std::fs::rename(&tmp, &file).map_err(io(&file))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn delete(&self, path: &str) -> Result<(), ObjectError> {
        let file = self.file(path)?;
        match std::fs::remove_file(&file) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(&file)(e)),
        }
    }

    /// One `syncfs` of the file system holding the directory: the data and the renames of every
    /// put so far (and whatever else that file system holds unwritten) reach the disk. Cheaper
    /// than an fsync per object by far: a full publish writes a few objects per entry.
    #[cfg(target_os = "linux")]
    fn sync(&self) -> Result<(), ObjectError> {
        let root = std::fs::File::open(&self.root).map_err(io(&self.root))?;
        rustix::fs::syncfs(&root).map_err(|e| io(&self.root)(e.into()))
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_keeps_objects_and_refuses_paths_outside_it() {
        let dir = tempfile::tempdir().unwrap();
        let objects = DirObjects::open(dir.path()).unwrap();
        assert_eq!(objects.get("tile/0/000", 10).unwrap(), None);
        objects
            .put(
                "tile/0/000",
                b"abc",
                "application/octet-stream",
                Cache::Immutable,
            )
            .unwrap();
        assert_eq!(objects.get("tile/0/000", 3).unwrap().unwrap(), b"abc");
        assert!(matches!(
            objects.get("tile/0/000", 2),
            Err(ObjectError::TooLarge { .. })
        ));
        for bad in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
            assert!(
                objects
                    .put(bad, b"x", "text/plain", Cache::Revisable)
                    .is_err(),
                "{bad}"
            );
        }
        objects.delete("tile/0/000").unwrap();
        objects.delete("tile/0/000").unwrap();
        assert_eq!(objects.get("tile/0/000", 10).unwrap(), None);
        assert!(DirObjects::open(dir.path().join("missing")).is_err());
    }

    #[test]
    fn opening_removes_what_a_killed_writer_left_and_keeps_a_live_one() {
        let dir = tempfile::tempdir().unwrap();
        let scratch = dir.path().join(SCRATCH);
        std::fs::create_dir(&scratch).unwrap();
        // Above the largest Linux process id: no such process.
        let dead = scratch.join("4294967295-0");
        let live = scratch.join(format!("{}-7", std::process::id()));
        std::fs::write(&dead, b"withheld later").unwrap();
        std::fs::write(&live, b"being written").unwrap();
        let objects = DirObjects::open(dir.path()).unwrap();
        assert!(!dead.exists());
        assert!(live.exists());
        objects
            .put("a/b", b"x", "text/plain", Cache::Revisable)
            .unwrap();
        // A put leaves nothing in the scratch folder but what was there.
        assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 1);
    }
}
