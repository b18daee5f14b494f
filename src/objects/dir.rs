//! Published objects as files under a local directory (a static web root).

use super::{Cache, ObjectError, Objects, check_path};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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
            Ok(m) if m.is_dir() => Ok(DirObjects {
                root: root.to_path_buf(),
            }),
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
        // Write beside, then rename over: a reader (or a crash) never sees half an object.
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned());
        let tmp = parent.join(format!(
            ".{}.tmp-{}",
            name.unwrap_or_default(),
            std::process::id()
        ));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
            f.write_all(bytes).map_err(io(&tmp))?;
            f.sync_all().map_err(io(&tmp))?;
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
}
