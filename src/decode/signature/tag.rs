//! HMAC tags as headers carry them: hexadecimal or base64 text read into the 32 bytes of an
//! HMAC-SHA256, and written back.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{GeneralPurpose, general_purpose};

use super::verdict::{Rejection, malformed};

/// Length of an HMAC-SHA256 tag in bytes.
pub(super) const MAC_LEN: usize = 32;

/// Standard base64; padding optional on input because some senders strip it.
pub(super) const BASE64: GeneralPurpose =
    GeneralPurpose::new(&alphabet::STANDARD, general_purpose::PAD_INDIFFERENT);

/// Whether `text` decodes as base64 the way the part of a Standard Webhooks secret after
/// `whsec_` is decoded (padding optional).
pub fn is_base64(text: &str) -> bool {
    BASE64.decode(text).is_ok()
}

pub(super) fn hex_tag(name: &str, digits: &str) -> Result<[u8; MAC_LEN], Rejection> {
    // Nearly every tag has exactly the right number of digits: decoded straight into place.
    if let Ok(digits) = <&[u8; 2 * MAC_LEN]>::try_from(digits.as_bytes()) {
        let mut tag = [0u8; MAC_LEN];
        let decoded = tag
            .iter_mut()
            .zip(digits.chunks_exact(2))
            .all(|(byte, pair)| match (nibble(pair[0]), nibble(pair[1])) {
                (Some(high), Some(low)) => {
                    *byte = high << 4 | low;
                    true
                }
                _ => false,
            });
        if decoded {
            return Ok(tag);
        }
    }
    let bytes =
        decode_hex(digits).ok_or_else(|| malformed(format!("{name} is not hexadecimal")))?;
    exact_length(name, bytes)
}

pub(super) fn base64_tag(name: &str, text: &str) -> Result<[u8; MAC_LEN], Rejection> {
    let bytes = BASE64
        .decode(text)
        .map_err(|_| malformed(format!("{name} is not base64")))?;
    exact_length(name, bytes)
}

fn exact_length(name: &str, bytes: Vec<u8>) -> Result<[u8; MAC_LEN], Rejection> {
    let length = bytes.len();
    bytes.try_into().map_err(|_| {
        malformed(format!(
            "{name} holds {length} byte{} where an HMAC-SHA256 has {MAC_LEN}",
            if length == 1 { "" } else { "s" }
        ))
    })
}

/// The value of each hex digit, `NOT_HEX` for every other byte.
const HEX_VALUES: [u8; 256] = {
    let mut values = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        values[b"0123456789abcdef"[digit] as usize] = digit as u8;
        values[b"0123456789ABCDEF"[digit] as usize] = digit as u8;
        digit += 1;
    }
    values
};
const NOT_HEX: u8 = 0xFF;

fn nibble(digit: u8) -> Option<u8> {
    let value = HEX_VALUES[usize::from(digit)];
    (value != NOT_HEX).then_some(value)
}

pub(super) fn decode_hex(digits: &str) -> Option<Vec<u8>> {
    let digits = digits.as_bytes();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(nibble(pair[0])? << 4 | nibble(pair[1])?))
        .collect()
}

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0x0F)] as char);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_tags_of_full_length_decode_in_place_and_bad_digits_are_malformed() {
        let digits = "00ff10AB".repeat(8);
        let tag = hex_tag("X", &digits).ok().expect("64 hex digits");
        assert_eq!(tag[..4], [0x00, 0xff, 0x10, 0xab]);
        let bad = format!("{}g", &digits[..63]);
        let rejection = hex_tag("X", &bad).expect_err("a digit that is not hex");
        assert_eq!(rejection.note, "X is not hexadecimal");
        let short = hex_tag("X", "00ff").expect_err("too short");
        assert!(short.note.contains("holds 2 bytes"), "{}", short.note);
    }

    #[test]
    fn hex_decoding_rejects_odd_lengths_and_accepts_upper_case() {
        assert_eq!(decode_hex("0aFf"), Some(vec![0x0a, 0xff]));
        assert_eq!(decode_hex("0a0"), None);
        assert_eq!(decode_hex(""), None);
        assert_eq!(decode_hex("g0"), None);
        assert_eq!(hex(&[0x0a, 0xff]), "0aff");
    }
}
