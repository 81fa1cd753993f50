//! The receipt code (查询码) a reporter gets: 16 symbols of Crockford's base-32 alphabet
//! (80 random bits), shown in groups of four. Only its SHA-256 digest is stored; 80 bits
//! cannot be searched from the digest, and the public endpoints limit guesses. Typed back in,
//! case, spaces and dashes do not matter, and the letters people confuse (O, I, L) are read
//! as the digits they look like.

use rand::Rng;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a code.
pub const SYMBOLS: usize = 16;

/// A new code, grouped for reading: `7K3M-Q9TX-…`.
pub fn generate() -> String {
    let mut rng = rand::rngs::OsRng;
    let raw: String = (0..SYMBOLS).map(|_| ALPHABET[rng.gen_range(0..32)] as char).collect();
    group(&raw)
}

fn group(raw: &str) -> String {
    raw.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect::<Vec<_>>().join("-")
}

/// The code as typed, normalised; `None` when it cannot be a code (wrong length or symbol).
pub fn normalize(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(SYMBOLS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        if out.len() == SYMBOLS {
            return None;
        }
        out.push(c);
    }
    (out.len() == SYMBOLS).then_some(out)
}

/// What is stored of a code (hex SHA-256 of its normalised form).
pub fn digest(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_long_random_and_read_back_however_typed() {
        let a = generate();
        assert_eq!(a.len(), SYMBOLS + 3);
        assert_ne!(a, generate());
        let n = normalize(&a).expect("a generated code normalises");
        assert_eq!(n.len(), SYMBOLS);
        assert_eq!(normalize(&a.to_lowercase().replace('-', " ")), Some(n.clone()));
        assert_eq!(normalize("OIL0-1111-2222-3333"), normalize("0110-1111-2222-3333"));
        assert_eq!(digest(&n).len(), 64);
    }

    #[test]
    fn anything_else_is_no_code() {
        assert_eq!(normalize(""), None);
        assert_eq!(normalize("ABCD-EFGH-JKMN-PQR"), None, "too short");
        assert_eq!(normalize("ABCD-EFGH-JKMN-PQRST"), None, "too long");
        assert_eq!(normalize("ABCD-EFGH-JKMN-PQRU"), None, "U is not in the alphabet");
        assert_eq!(normalize("查询码查询码查询码查询码查询码查询"), None);
    }
}
