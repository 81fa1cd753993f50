//! Text similarity that works for Chinese: character bigrams (no word segmentation), over
//! letters, digits and CJK characters only, so punctuation, spacing and reordered sentences
//! do not matter. The score blends the Dice coefficient (overall likeness) with the overlap
//! coefficient (one text contained in the other, as when text was inserted).

use std::collections::HashSet;

/// The score from which two clues on the same supervision object are flagged.
pub const FLAG_THRESHOLD: f64 = 0.6;

/// The normalised characters of a text: lower-cased letters, digits and CJK characters.
fn normalised(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The set of character bigrams (a single character for one-character texts).
pub fn shingles(text: &str) -> HashSet<(char, char)> {
    let chars = normalised(text);
    match chars.len() {
        0 => HashSet::new(),
        1 => HashSet::from([(chars[0], '\0')]),
        _ => chars.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// Similarity of two shingle sets, 0..=1.
pub fn score(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|x| b.contains(x)).count() as f64;
    let dice = 2.0 * common / (a.len() + b.len()) as f64;
    let overlap = common / a.len().min(b.len()) as f64;
    (dice + overlap) / 2.0
}

/// The longest run of normalised characters two texts share (for saying why they match).
pub fn longest_common_run(a: &str, b: &str) -> String {
    let (a, b) = (normalised(a), normalised(b));
    let mut prev = vec![0usize; b.len() + 1];
    let (mut best, mut end) = (0usize, 0usize);
    for i in 1..=a.len() {
        let mut cur = vec![0usize; b.len() + 1];
        for j in 1..=b.len() {
            if a[i - 1] == b[j - 1] {
                cur[j] = prev[j - 1] + 1;
                if cur[j] > best {
                    best = cur[j];
                    end = i;
                }
            }
        }
        prev = cur;
    }
    a[end - best..end].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元。";

    #[test]
    fn rewording_reordering_and_insertion_stay_similar() {
        let a = shingles(A);
        let reordered = shingles("2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元。");
        let inserted =
            shingles("据巡察组了解,反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元,群众反映强烈。");
        let unrelated = shingles("某县农业农村局高标准农田建设项目资金拨付滞后,部分工程未按设计施工。");
        assert!(score(&a, &reordered) > FLAG_THRESHOLD, "{}", score(&a, &reordered));
        assert!(score(&a, &inserted) > FLAG_THRESHOLD, "{}", score(&a, &inserted));
        assert!(score(&a, &unrelated) < 0.2, "{}", score(&a, &unrelated));
        assert_eq!(score(&a, &a), 1.0);
        assert_eq!(score(&a, &shingles("")), 0.0);
    }

    #[test]
    fn the_reason_names_the_shared_text() {
        assert_eq!(longest_common_run(A, "关于违规发放津补贴的问题"), "违规发放津补贴");
        assert_eq!(longest_common_run("abc", "xyz"), "");
    }
}

/// Length of a text signature (MinHash over the bigrams).
pub const SIGNATURE_LEN: usize = 32;

/// A compact summary of a text's bigram set: its size and `SIGNATURE_LEN` MinHash values, so
/// that the similarity of two texts can be estimated without reading them. Stored with each
/// clue, it lets duplicate detection skip most candidates before loading their text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub size: u32,
    pub mins: [u32; SIGNATURE_LEN],
}

const SEEDS: [u64; SIGNATURE_LEN] = {
    let mut s = [0u64; SIGNATURE_LEN];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut i = 0;
    while i < SIGNATURE_LEN {
        // splitmix64
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        s[i] = z ^ (z >> 31);
        i += 1;
    }
    s
};

pub fn signature(sh: &HashSet<(char, char)>) -> Signature {
    let mut mins = [u32::MAX; SIGNATURE_LEN];
    for (a, b) in sh {
        let base = ((*a as u64) << 32) | (*b as u64);
        for (i, seed) in SEEDS.iter().enumerate() {
            let h = (base ^ seed).wrapping_mul(0x2545_F491_4F6C_DD1D);
            let h = (h ^ (h >> 29)) as u32;
            if h < mins[i] {
                mins[i] = h;
            }
        }
    }
    Signature { size: sh.len() as u32, mins }
}

impl Signature {
    /// Hex: the size, then the values (8 hex digits each).
    pub fn encode(&self) -> String {
        let mut s = format!("{:08x}", self.size);
        for m in self.mins {
            s.push_str(&format!("{m:08x}"));
        }
        s
    }

    pub fn decode(s: &str) -> Option<Signature> {
        if s.len() != 8 * (SIGNATURE_LEN + 1) || !s.is_ascii() {
            return None;
        }
        let num = |i: usize| u32::from_str_radix(&s[i * 8..i * 8 + 8], 16).ok();
        let mut mins = [0u32; SIGNATURE_LEN];
        for (i, m) in mins.iter_mut().enumerate() {
            *m = num(i + 1)?;
        }
        Some(Signature { size: num(0)?, mins })
    }

    /// The estimated `score` of the two texts: Jaccard from the MinHash agreement, the
    /// intersection from Jaccard and the set sizes, then Dice and overlap as `score` does.
    pub fn estimated_score(&self, other: &Signature) -> f64 {
        if self.size == 0 || other.size == 0 {
            return 0.0;
        }
        let agree = self.mins.iter().zip(other.mins.iter()).filter(|(a, b)| a == b).count() as f64;
        let j = agree / SIGNATURE_LEN as f64;
        let (a, b) = (self.size as f64, other.size as f64);
        let inter = (j * (a + b) / (1.0 + j)).min(a.min(b));
        let dice = 2.0 * inter / (a + b);
        let overlap = inter / a.min(b);
        (dice + overlap) / 2.0
    }
}

/// How far below the threshold an estimate may be and still be checked exactly (the
/// estimate's error with 32 values is about ±0.1).
pub const ESTIMATE_MARGIN: f64 = 0.25;

#[cfg(test)]
mod signature_tests {
    use super::*;

    #[test]
    fn signatures_round_trip_and_estimate_the_score() {
        let a = shingles("反映市住建局2023年至2025年以加班费名义违规发放津补贴共计46.8万元。");
        let b = shingles("2023年至2025年,市住建局以加班费名义违规发放津补贴,共计46.8万元。");
        let c = shingles("某县农业农村局高标准农田建设项目资金拨付滞后,部分工程未按设计施工。");
        let (sa, sb, sc) = (signature(&a), signature(&b), signature(&c));
        assert_eq!(Signature::decode(&sa.encode()), Some(sa.clone()));
        assert!(Signature::decode("zz").is_none());
        assert!((sa.estimated_score(&sb) - score(&a, &b)).abs() < ESTIMATE_MARGIN);
        assert!(sa.estimated_score(&sc) < FLAG_THRESHOLD - ESTIMATE_MARGIN);
        assert_eq!(sa.estimated_score(&sa), 1.0);
    }
}
