//! Key files on disk: created 0600, refused when others can read them.
//!
//! A signer key file holds the `PRIVATE+KEY+…` text and one newline. A verifier key file holds a
//! vkey line. Reading strips exactly one trailing `\n` (or `\r\n`); nothing else is trimmed.

use crate::format::keys::{KeyError, SigningKey, VerifyingKey};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Largest key file accepted, in bytes (real ones are well under 300).
pub const MAX_KEY_FILE_SIZE: usize = 4096;

/// Why a key file could not be written or read. Messages carry the path, never file contents.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file does not exist.
    #[error("key file {} not found", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Refused to overwrite an existing file.
    #[error("key file {} already exists; refusing to overwrite it (move it away first)", path.display())]
    AlreadyExists {
        /// The file.
        path: PathBuf,
    },
    /// The path names a FIFO, device, directory or socket: reading it could block forever or
    /// never end, and no key file is one.
    #[error("key file {} is not a regular file ({kind}); give the path of a key file", path.display())]
    NotRegular {
        /// The file.
        path: PathBuf,
        /// What it is instead ("a FIFO", "a directory", …).
        kind: &'static str,
    },
    /// The signer key file is readable or writable by group or others.
    #[error(
        "key file {} is {} by others (mode {mode:04o}); run: chmod 600 {}",
        path.display(),
        if mode & 0o044 != 0 { "readable" } else { "writable" },
        path.display()
    )]
    TooOpen {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is larger than [`MAX_KEY_FILE_SIZE`].
    #[error("{} is larger than {MAX_KEY_FILE_SIZE} bytes: it is not a claimledger key file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The file is not UTF-8 text.
    #[error("{} is not UTF-8 text: it is not a claimledger key file", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// The text is not a valid key.
    #[error("{} is not a claimledger key file (it holds no valid key line)", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong with the key text (never includes the text).
        #[source]
        source: KeyError,
    },
    /// Any other I/O failure.
    #[error("could not {action} key file {}", path.display())]
    Io {
        /// What was being done ("create", "write", "read", …).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

fn io_error(action: &'static str, path: &Path, source: io::Error) -> KeyFileError {
    KeyFileError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Write a signer key file: its secret text and one newline.
///
/// MUST NOT overwrite anything ([`KeyFileError::AlreadyExists`]); on Unix the file is created
/// with mode 0600 (never wider, whatever the umask). Data is fsynced before returning. If writing
/// fails after creation, the partial file is removed (best effort).
pub fn write_signing_key(path: &Path, key: &SigningKey) -> Result<(), KeyFileError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => KeyFileError::AlreadyExists {
            path: path.to_owned(),
        },
        _ => io_error("create", path, e),
    })?;
    let result = write_and_sync(&mut file, key).map_err(|e| io_error("write", path, e));
    if result.is_err() {
        drop(file);
        let _ = std::fs::remove_file(path);
        return result;
    }
    // Some file systems cannot make a folder durable; the key file itself is.
    let _ = crate::dirs::sync_parent(path);
    Ok(())
}

fn write_and_sync(file: &mut File, key: &SigningKey) -> io::Result<()> {
    let secret = key.to_secret_text();
    file.write_all(secret.expose().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// What a non-regular file is, for [`KeyFileError::NotRegular`].
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "not a plain file"
    }
}

/// Read a whole small regular file into a buffer that is wiped on drop.
///
/// The file is opened without blocking (a FIFO with no writer would block `open` forever) and
/// refused unless the open file is a regular file. Returns the contents and the permission bits
/// of the open file (0 where there are none).
fn read_small(path: &Path) -> Result<(Zeroizing<Vec<u8>>, u32), KeyFileError> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => KeyFileError::NotFound {
            path: path.to_owned(),
            source: e,
        },
        _ => io_error("open", path, e),
    })?;
    // Ask the open file, not the path, so a swapped file cannot slip past the checks.
    let meta = file.metadata().map_err(|e| io_error("inspect", path, e))?;
    if !meta.is_file() {
        return Err(KeyFileError::NotRegular {
            path: path.to_owned(),
            kind: file_kind(&meta),
        });
    }
    // A fixed buffer, so no reallocation leaves unwiped copies of the secret behind.
    let mut buf = Zeroizing::new(vec![0u8; MAX_KEY_FILE_SIZE + 1]);
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error("read", path, e)),
        }
    }
    if len > MAX_KEY_FILE_SIZE {
        return Err(KeyFileError::TooLarge {
            path: path.to_owned(),
        });
    }
    buf.truncate(len);
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        meta.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let mode = 0;
    Ok((buf, mode))
}

/// Strip exactly one trailing `\n` or `\r\n`.
fn strip_one_newline(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}

/// Read a signer key file written by [`write_signing_key`] (or by hand).
///
/// MUST refuse anything but a regular file ([`KeyFileError::NotRegular`]; a FIFO does not
/// block). MUST refuse, on Unix, a key file whose mode grants any access to group or others
/// ([`KeyFileError::TooOpen`], whose message gives the `chmod 600` fix); a file that holds no
/// signer key is [`KeyFileError::Parse`] (or `NotUtf8`, `TooLarge`) whatever its mode. One trailing newline
/// is stripped; the rest MUST be exactly a signer key text. Errors carry the path, never the
/// contents.
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyFileError> {
    let (bytes, mode) = read_small(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyFileError::NotUtf8 {
        path: path.to_owned(),
    })?;
    let key = strip_one_newline(text)
        .parse()
        .map_err(|source| KeyFileError::Parse {
            path: path.to_owned(),
            source,
        })?;
    // The mode is judged only once the file is known to be a key file: a file that is no key
    // at all (say /etc/shadow) is named as such, never given a chmod hint.
    if mode & 0o077 != 0 {
        return Err(KeyFileError::TooOpen {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(key)
}

/// Read a file holding one verifier key line (public; no permission check).
///
/// One trailing newline is stripped; the rest MUST be exactly a verifier key text.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, KeyFileError> {
    let (bytes, _) = read_small(path)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| KeyFileError::NotUtf8 {
        path: path.to_owned(),
    })?;
    strip_one_newline(text)
        .parse()
        .map_err(|source| KeyFileError::Parse {
            path: path.to_owned(),
            source,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        let key = SigningKey::generate("example.com/log").expect("valid name");
        write_signing_key(&path, &key).expect("writes");
        let text = std::fs::read_to_string(&path).expect("readable by owner");
        assert_eq!(text, format!("{}\n", key.to_secret_text().expose()));
        let back = read_signing_key(&path).expect("reads");
        assert_eq!(back.verifying_key(), key.verifying_key());
    }

    #[cfg(unix)]
    #[test]
    fn created_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        let key = SigningKey::generate("example.com/log").expect("valid name");
        write_signing_key(&path, &key).expect("writes");
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        std::fs::write(&path, "precious").expect("writes");
        let key = SigningKey::generate("example.com/log").expect("valid name");
        let err = write_signing_key(&path, &key).expect_err("must refuse");
        assert!(matches!(err, KeyFileError::AlreadyExists { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
        assert_eq!(std::fs::read_to_string(&path).expect("reads"), "precious");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_file_others_can_read() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.key");
        let key = SigningKey::generate("example.com/log").expect("valid name");
        write_signing_key(&path, &key).expect("writes");
        for mode in [0o644, 0o640, 0o604, 0o620] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
            let err = read_signing_key(&path).expect_err("must refuse");
            assert!(
                matches!(err, KeyFileError::TooOpen { mode: m, .. } if m == mode),
                "{err:?}"
            );
            let msg = err.to_string();
            assert!(msg.contains("chmod 600"), "{msg}");
            assert!(msg.contains(&format!("{mode:04o}")), "{msg}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).expect("chmod");
        read_signing_key(&path).expect("0400 is fine");
    }

    #[test]
    fn not_found_names_the_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("missing.key");
        let err = read_signing_key(&path).expect_err("missing");
        assert!(matches!(err, KeyFileError::NotFound { .. }), "{err:?}");
        assert!(err.to_string().contains(&path.display().to_string()));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[cfg(unix)]
    fn write_private(path: &Path, contents: &[u8]) {
        use std::os::unix::fs::OpenOptionsExt as _;
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .expect("creates");
        f.write_all(contents).expect("writes");
    }

    #[cfg(unix)]
    #[test]
    fn trailing_newline_rules_and_no_echo() {
        let skey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
        let dir = tempfile::tempdir().expect("temp dir");
        let cases: [(&str, bool); 6] = [
            ("", true),
            ("\n", true),
            ("\r\n", true),
            ("\n\n", false),
            (" \n", false),
            ("\r", false),
        ];
        for (i, (suffix, ok)) in cases.iter().enumerate() {
            let path = dir.path().join(format!("k{i}"));
            write_private(&path, format!("{skey}{suffix}").as_bytes());
            let got = read_signing_key(&path);
            assert_eq!(got.is_ok(), *ok, "suffix {suffix:?}");
            if let Err(e) = got {
                assert!(matches!(e, KeyFileError::Parse { .. }), "{e:?}");
                let msg = format!("{e} {e:?}");
                assert!(!msg.contains("AYEKFALVFGyNhPJEMzD1QIDr"), "{msg}");
            }
        }
        let path = dir.path().join("big");
        write_private(&path, &vec![b'A'; MAX_KEY_FILE_SIZE + 1]);
        assert!(matches!(
            read_signing_key(&path),
            Err(KeyFileError::TooLarge { .. })
        ));
        let path = dir.path().join("bin");
        write_private(&path, b"\xff\xfe");
        assert!(matches!(
            read_signing_key(&path),
            Err(KeyFileError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn reads_a_vkey_file() {
        let vkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log.pub");
        std::fs::write(&path, format!("{vkey}\n")).expect("writes");
        let vk = read_verifying_key(&path).expect("reads");
        assert_eq!(vk.to_string(), vkey);
    }
}
