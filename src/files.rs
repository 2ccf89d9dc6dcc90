//! Reading the export files a user names, for `hookscope open` and `hookscope replay`: only
//! regular files, and only up to a size, so that a FIFO, a device or a huge file is refused in
//! one sentence instead of blocking or filling memory.

use std::path::Path;

use crate::words::format_size;

/// The bytes of the export at `path`, for `hookscope COMMAND`, when it is a regular file of at
/// most `max_size` bytes. Anything else is refused before it is read: a FIFO would wait for a
/// writer forever, a device such as `/dev/zero` never ends, and a file too large would be read
/// until memory ran out.
pub fn read_file(path: &Path, max_size: u64, command: &str) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let shown = path.display();
    let cannot = |e: std::io::Error| format!("cannot read {shown}: {e}");
    let refuse = |meta: &std::fs::Metadata| -> Result<(), String> {
        if !meta.is_file() {
            return Err(format!(
                "{shown} is {}, not a regular file: `hookscope {command}` reads exports saved to files",
                file_kind(&meta.file_type())
            ));
        }
        if meta.len() > max_size {
            return Err(too_large(path, &format_size(meta.len()), max_size, command));
        }
        Ok(())
    };
    // Looked at before opening, as opening a FIFO to read waits for a writer.
    refuse(&std::fs::metadata(path).map_err(cannot)?)?;
    let file = std::fs::File::open(path).map_err(cannot)?;
    // And again on what was opened, in case the name was pointed elsewhere meanwhile.
    let meta = file.metadata().map_err(cannot)?;
    refuse(&meta)?;
    // Files whose size says nothing (as in /proc) and files still growing stop at the limit.
    let capacity = usize::try_from(meta.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > max_size {
        let size = format!("more than {}", format_size(max_size));
        return Err(too_large(path, &size, max_size, command));
    }
    Ok(bytes)
}

fn too_large(path: &Path, size: &str, max_size: u64, command: &str) -> String {
    format!(
        "{} is {size}, over the {} limit of `hookscope {command}` (--max-file-size raises it)",
        path.display(),
        format_size(max_size)
    )
}

/// What a file that is not a regular file is, for the sentence that refuses it.
fn file_kind(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}
