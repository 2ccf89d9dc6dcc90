//! What the analysers share: ids shortened for display.

/// Ids longer than this are shortened in summaries: they are for display, and a sender sending
/// megabyte ids must not make each summary cost a megabyte.
pub const MAX_ID_BYTES: usize = 256;

pub(super) fn display_id(id: &str) -> String {
    if id.len() <= MAX_ID_BYTES {
        return id.to_owned();
    }
    let mut end = MAX_ID_BYTES;
    while !id.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &id[..end])
}
