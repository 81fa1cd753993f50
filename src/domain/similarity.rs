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
