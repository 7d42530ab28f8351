//! The file store: attachment bytes on the local disk, addressed by their SHA-256, written
//! durably (temporary file, fsync, rename, fsync of the folder) before the database row that
//! names them is committed. A deployment at scale replaces it with object storage behind the
//! same two calls.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
    #[error("file store: bad key")]
    BadKey,
}

/// A stored file: its key and digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub sha256: String,
}

impl FileStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf, FileError> {
        // Keys are "<2 hex>/<64 hex>"; anything else could escape the folder.
        let ok = key.len() == 67
            && key.as_bytes()[2] == b'/'
            && key
                .bytes()
                .enumerate()
                .all(|(i, b)| i == 2 || b.is_ascii_hexdigit());
        if ok {
            Ok(self.root.join(key))
        } else {
            Err(FileError::BadKey)
        }
    }

    /// Stores `bytes` durably; storing the same bytes twice keeps one copy.
    pub fn put(&self, bytes: &[u8]) -> Result<StoredFile, FileError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let key = format!("{}/{}", &sha256[..2], sha256);
        let path = self.path(&key)?;
        if !path.exists() {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{}.tmp{}", sha256, std::process::id()));
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(StoredFile { key, sha256 })
    }

    pub fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        Ok(std::fs::read(self.path(key)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_bad_keys() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let fs = FileStore::new(dir.path());
        let a = fs.put(b"hello").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            a.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(fs.put(b"hello").ok(), Some(a.clone()));
        assert_eq!(fs.get(&a.key).ok(), Some(b"hello".to_vec()));
        assert!(matches!(fs.get("../../etc/passwd"), Err(FileError::BadKey)));
    }
}
