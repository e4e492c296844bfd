//! Private files: created with `O_EXCL` and mode 0600, or replaced atomically through a
//! 0600 temporary file in the same directory and a rename.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system random source failed");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Creates `path` with `O_CREAT | O_EXCL` and mode 0600 (fails if it exists, including as
/// a symlink), open for reading and writing. The mode is set again after creation in case
/// the umask removed owner bits.
pub fn create_private(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

/// A 0600 temporary file next to `dest` that replaces it atomically on [`Replace::commit`];
/// removed if dropped uncommitted.
pub struct Replace {
    dest: PathBuf,
    tmp: PathBuf,
    file: Option<File>,
}

impl Replace {
    /// Creates the temporary file (so a directory that is not writable fails before
    /// anything is sent).
    pub fn begin(dest: &Path) -> io::Result<Replace> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", random_hex(8)));
        let file = create_private(&tmp)?;
        Ok(Replace {
            dest: dest.to_path_buf(),
            tmp,
            file: Some(file),
        })
    }

    /// Writes `data`, syncs it and renames the temporary file over the destination.
    pub fn commit(mut self, data: &[u8]) -> io::Result<()> {
        let mut file = self.file.take().expect("committed twice");
        file.write_all(data)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest)?;
        // Nothing left to remove.
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for Replace {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `data` to a new 0600 file, atomically replacing `dest` (used for state files).
pub fn replace_private(dest: &Path, data: &[u8]) -> io::Result<()> {
    Replace::begin(dest)?.commit(data)
}
