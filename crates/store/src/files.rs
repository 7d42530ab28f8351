//! The file store: attachment and recording bytes addressed by their SHA-256, written durably
//! before the database row that names them is committed. Two backends behind the same calls:
//! the local disk (the embedded default: temporary file, fsync, rename, fsync of the folder)
//! and S3-compatible object storage through the `object_store` client (many nodes).

pub use object_store::aws::AmazonS3Builder;
use object_store::aws::AmazonS3ConfigKey;
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ClientConfigKey, ObjectStore, PutPayload, RetryConfig};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Backend {
    Local(PathBuf),
    Object(Arc<dyn ObjectStore>),
}

#[derive(Debug, Clone)]
pub struct FileStore {
    backend: Backend,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("file store: {0}")]
    Io(#[from] std::io::Error),
    #[error("object store: {0}")]
    Object(#[from] object_store::Error),
    #[error("file store: bad key")]
    BadKey,
}

pub use otinish_domain::repo::StoredFile;

/// Keys are "<2 hex>/<64 hex>"; anything else could escape the folder or the bucket prefix.
fn check_key(key: &str) -> Result<(), FileError> {
    let ok = key.len() == 67
        && key.as_bytes()[2] == b'/'
        && key
            .bytes()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(FileError::BadKey)
    }
}

impl FileStore {
    /// Files under a local folder.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Local(root.into()),
        }
    }

    /// Files in an S3 bucket, e.g. `s3://otinish-files`. The endpoint, region and credentials
    /// come from the standard variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP` for a local server).
    pub fn s3(url: &str) -> Result<Self, FileError> {
        Self::s3_from(AmazonS3Builder::from_env().with_url(url))
    }

    /// Files in the bucket `builder` names. An unreachable store fails within seconds (a short
    /// connect timeout, three retries within twenty seconds), so an applicant attaching files is
    /// told at once, and intake without files goes on meanwhile.
    pub fn s3_from(builder: AmazonS3Builder) -> Result<Self, FileError> {
        let store = builder
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: std::time::Duration::from_secs(20),
            })
            // Set alone, keeping the client options read from the environment (AWS_ALLOW_HTTP).
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                "5s",
            )
            .build()?;
        Ok(Self {
            backend: Backend::Object(Arc::new(store)),
        })
    }

    /// Files in any object store (tests use the in-memory one).
    pub fn object(store: Arc<dyn ObjectStore>) -> Self {
        Self {
            backend: Backend::Object(store),
        }
    }

    /// `local` or `object`.
    pub fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Local(_) => "local",
            Backend::Object(_) => "object",
        }
    }

    /// Stores `bytes` durably; storing the same bytes twice keeps one copy.
    pub async fn put(&self, bytes: &[u8]) -> Result<StoredFile, FileError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let key = format!("{}/{}", &sha256[..2], sha256);
        check_key(&key)?;
        match &self.backend {
            Backend::Local(root) => {
                let path = root.join(&key);
                let bytes = bytes.to_vec();
                let sha = sha256.clone();
                tokio::task::spawn_blocking(move || write_local(&path, &sha, &bytes))
                    .await
                    .map_err(|e| FileError::Io(std::io::Error::other(e)))??;
            }
            Backend::Object(store) => {
                let path = ObjectPath::from(key.as_str());
                if store.head(&path).await.is_err() {
                    // A PUT is atomic: the object exists whole once it is acknowledged.
                    store.put(&path, PutPayload::from(bytes.to_vec())).await?;
                }
            }
        }
        Ok(StoredFile { key, sha256 })
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, FileError> {
        check_key(key)?;
        match &self.backend {
            Backend::Local(root) => Ok(tokio::fs::read(root.join(key)).await?),
            Backend::Object(store) => Ok(store
                .get(&ObjectPath::from(key))
                .await?
                .bytes()
                .await?
                .to_vec()),
        }
    }
}

/// A name for a temporary file no other writer uses at the same time, in this process or
/// another: the same new attachment may arrive in several appeals at once.
fn temporary_name(sha256: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(".{sha256}.{}.{n}.tmp", std::process::id())
}

fn sha256_of_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

/// Writes `bytes` under `path` (named by their digest `sha256`) so that the name only ever
/// holds the whole file: a temporary file of its own, fsynced, read back and hashed, renamed
/// over the name, then the folder fsynced. A file already under the name is kept only if its
/// contents hash to the name (a crash of an older version could leave one truncated); otherwise
/// it is rewritten.
fn write_local(path: &Path, sha256: &str, bytes: &[u8]) -> Result<(), FileError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if path.exists() && sha256_of_file(path).is_ok_and(|h| h == sha256) {
        // Another writer may have renamed it a moment ago and not yet synced the folder.
        std::fs::File::open(dir)?.sync_all()?;
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(temporary_name(sha256));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        if sha256_of_file(&tmp)? != sha256 {
            return Err(std::io::Error::other(
                "the file read back does not match what was written",
            ));
        }
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(written?)
}

#[async_trait::async_trait]
impl otinish_domain::repo::Files for FileStore {
    async fn put(&self, bytes: &[u8]) -> Result<StoredFile, otinish_domain::repo::FilesError> {
        FileStore::put(self, bytes)
            .await
            .map_err(|e| otinish_domain::repo::FilesError(e.to_string()))
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, otinish_domain::repo::FilesError> {
        FileStore::get(self, key)
            .await
            .map_err(|e| otinish_domain::repo::FilesError(e.to_string()))
    }
}
