//! The fast hash of bytes behind body identity (redeliveries) and the analysis maps' keys.

const P0: u64 = 0xa076_1d64_78bd_642f;
const P1: u64 = 0xe703_7ed1_a0b4_28db;
const P2: u64 = 0x8ebc_6af0_9c88_c6e3;
const P3: u64 = 0x5899_65cc_7537_4cc3;

/// The 128-bit product folded to 64 bits: every input bit reaches most output bits.
fn fold(a: u64, b: u64) -> u64 {
    let r = u128::from(a) * u128::from(b);
    (r as u64) ^ ((r >> 64) as u64)
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = bytes.len().min(8);
    w[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(w)
}

/// A fast 64-bit hash of bytes (16 bytes per multiplication, in the manner of wyhash), used
/// for body identity and map keys: it runs on every captured body, where SipHash would cost
/// several times more. Not built to resist crafted collisions; a collision could only make two
/// different bodies look like one delivery.
pub(crate) fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed ^ P0;
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let m = fold(word(&chunk[..8]) ^ P1, word(&chunk[8..]) ^ P2);
        // Rotating and multiplying by an odd constant is a bijection of the state: no block can
        // erase what came before.
        h = (h ^ m).rotate_left(23).wrapping_mul(P3);
    }
    let rest = chunks.remainder();
    let (low, high) = rest.split_at(rest.len().min(8));
    let m = fold(word(low) ^ P1, word(high) ^ P2);
    h = (h ^ m).rotate_left(23).wrapping_mul(P3);
    fold(h ^ P0, (bytes.len() as u64) ^ P3)
}
