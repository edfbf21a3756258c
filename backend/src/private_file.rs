//! Files only the owner may read: GUARDiA's database files and development secrets hold
//! password hashes, sealed credentials and the keys to them, so other local users get no
//! access (mode 0600), and the secrets file is never reached through a symbolic link.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Owner read and write, nothing for group and others.
#[cfg(unix)]
const PRIVATE_MODE: u32 = 0o600;

/// Reads a whole private file. A symbolic link or anything but a regular file is refused; a
/// file others may read is made private first.
pub fn read(path: &Path) -> io::Result<String> {
    let kind = std::fs::symlink_metadata(path)?.file_type();
    if kind.is_symlink() {
        return Err(io::Error::other(
            "it is a symbolic link, which GUARDiA does not follow for its secrets",
        ));
    }
    if !kind.is_file() {
        return Err(io::Error::other("it is not a regular file"));
    }
    let mut file = open_no_follow(path)?;
    restrict_open(&file)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text)
}

/// Creates a private file with `contents`, all at once: it appears complete or not at all, so
/// a process starting at the same moment never reads it half written. `AlreadyExists` when
/// anything (even a dangling link) is at `path`.
pub fn create_new(path: &Path, contents: &str) -> io::Result<()> {
    let staging = staging_path(path);
    let written = (|| {
        let mut file = new_private(&staging)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    })();
    // A hard link never replaces what is there: the first writer wins.
    let result = written.and_then(|()| std::fs::hard_link(&staging, path));
    let _ = std::fs::remove_file(&staging);
    result
}

/// Creates an empty private file unless something is already at `path`.
pub fn create_if_missing(path: &Path) -> io::Result<()> {
    match new_private(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Takes group and other access away from an existing file; a missing one is fine. By path,
/// never by opening it: closing any descriptor of a file drops every POSIX lock the process
/// holds on it, and SQLite's locks on a database this process has open must survive.
pub fn restrict(path: &Path) -> io::Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) => restrict_mode(path, &metadata),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn staging_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", uuid::Uuid::now_v7().simple()))
}

#[cfg(unix)]
fn new_private(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // create_new is O_EXCL: it fails on any existing entry, links included.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_MODE)
        .open(path)
}

#[cfg(not(unix))]
fn new_private(path: &Path) -> io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Closes the gap between the link check and the open.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(unix)]
fn restrict_mode(path: &Path, metadata: &std::fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if metadata.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(PRIVATE_MODE))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_mode(_path: &Path, _metadata: &std::fs::Metadata) -> io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict_open(file: &std::fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(PRIVATE_MODE))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_open(_file: &std::fs::File) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("exists").permissions().mode() & 0o777
    }

    #[test]
    fn creates_private_files_once_and_never_through_links() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("secret");
        create_new(&path, "one\n").expect("created");
        assert_eq!(mode(&path), 0o600);
        let again = create_new(&path, "two\n").expect_err("never replaced");
        assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(read(&path).expect("read"), "one\n");
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(leftovers, 1, "no staging file left behind");

        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path().join("target"), &link).expect("link");
        assert!(create_new(&link, "x").is_err());
        assert!(!dir.path().join("target").exists());
        std::fs::write(dir.path().join("target"), "t").expect("target");
        assert!(
            read(&link).is_err(),
            "a link is refused even when it leads somewhere"
        );
    }

    #[test]
    fn restricts_existing_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("db");
        std::fs::write(&path, "").expect("file");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        restrict(&path).expect("restricted");
        assert_eq!(mode(&path), 0o600);
        restrict(&dir.path().join("missing")).expect("a missing file is fine");
        let fresh = dir.path().join("fresh");
        create_if_missing(&fresh).expect("created");
        assert_eq!(mode(&fresh), 0o600);
        create_if_missing(&fresh).expect("already there is fine");
    }
}
