//! Text similarity that works for Chinese: character bigrams (no word segmentation), over
//! letters, digits and CJK characters only, so punctuation, spacing and reordered sentences
//! do not matter. The score blends the Dice coefficient (overall likeness) with the overlap
//! coefficient (one text contained in the other, as when text was inserted).
//!
//! The work is bounded whatever a writer sends: only the first `MAX_COMPARED_CHARS`
//! normalised characters of a text are compared, and every step is linear in that length
//! (a 90,000-character clue once took seconds of quadratic work per candidate).

use std::collections::{HashMap, HashSet};

/// The score from which two clues on the same supervision object are flagged.
pub const FLAG_THRESHOLD: f64 = 0.6;

/// How many normalised characters of a text are compared. Real clues are a few hundred
/// characters; what two clues share beyond this does not change whether they concern the
/// same matter, and the bound keeps one request from stalling the hub.
pub const MAX_COMPARED_CHARS: usize = 8_000;

/// The normalised characters of a text: lower-cased letters, digits and CJK characters,
/// at most `MAX_COMPARED_CHARS` of them.
fn normalised(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).take(MAX_COMPARED_CHARS).collect()
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
/// Linear time: a suffix automaton of `b`, walked along `a`. Among runs of equal length the
/// one ending first in `a` is returned.
pub fn longest_common_run(a: &str, b: &str) -> String {
    let (a, b) = (normalised(a), normalised(b));
    let sam = SuffixAutomaton::new(&b);
    let (mut state, mut len) = (0usize, 0usize);
    let (mut best, mut end) = (0usize, 0usize);
    for (i, c) in a.iter().enumerate() {
        while state != 0 && !sam.states[state].next.contains_key(c) {
            state = sam.states[state].link;
            len = sam.states[state].len;
        }
        if let Some(&next) = sam.states[state].next.get(c) {
            state = next;
            len += 1;
        }
        if len > best {
            best = len;
            end = i + 1;
        }
    }
    a[end - best..end].iter().collect()
}

struct SamState {
    len: usize,
    link: usize,
    next: HashMap<char, usize>,
}

/// The suffix automaton of a text: every substring is a path from state 0 (built in linear
/// time, at most 2n states).
struct SuffixAutomaton {
    states: Vec<SamState>,
}

impl SuffixAutomaton {
    fn new(text: &[char]) -> Self {
        let mut states = Vec::with_capacity(2 * text.len() + 1);
        states.push(SamState { len: 0, link: 0, next: HashMap::new() });
        let mut last = 0usize;
        for &c in text {
            let cur = states.len();
            states.push(SamState { len: states[last].len + 1, link: 0, next: HashMap::new() });
            let mut p = Some(last);
            while let Some(q) = p {
                if states[q].next.contains_key(&c) {
                    break;
                }
                states[q].next.insert(c, cur);
                p = (q != 0).then(|| states[q].link);
            }
            if let Some(p) = p {
                let q = states[p].next[&c];
                if states[p].len + 1 == states[q].len {
                    states[cur].link = q;
                } else {
                    let clone = states.len();
                    let cloned =
                        SamState { len: states[p].len + 1, link: states[q].link, next: states[q].next.clone() };
                    states.push(cloned);
                    let mut r = Some(p);
                    while let Some(x) = r {
                        if states[x].next.get(&c) != Some(&q) {
                            break;
                        }
                        states[x].next.insert(c, clone);
                        r = (x != 0).then(|| states[x].link);
                    }
                    states[q].link = clone;
                    states[cur].link = clone;
                }
            }
            last = cur;
        }
        SuffixAutomaton { states }
    }
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

    /// The quadratic reference the linear walk replaced: same answer, ties included.
    fn reference_run(a: &str, b: &str) -> String {
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

    #[test]
    fn the_linear_run_agrees_with_the_quadratic_one() {
        let texts = [
            A,
            "关于违规发放津补贴的问题",
            "abcabcabd",
            "abababab",
            "xabcabcy",
            "2023年市住建局违规发放,2025年违规发放津补贴46.8万元",
            "",
            "a",
            "aaaa",
            "baaab",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(longest_common_run(a, b), reference_run(a, b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn huge_texts_are_compared_in_bounded_time() {
        // The leak: two 90,000-character near-identical clues took ~14 s of quadratic work.
        let unit = "反映市住建局违规发放津补贴";
        let a: String = (0..90_000 / unit.chars().count()).map(|i| format!("{unit}{}", i % 10)).collect();
        let b: String = format!("前言{a}");
        let started = std::time::Instant::now();
        let run = longest_common_run(&a, &b);
        let s = score(&shingles(&a), &shingles(&b));
        assert_eq!(run.chars().count(), MAX_COMPARED_CHARS - 2, "the run is bounded by the compared prefix");
        assert!(s > FLAG_THRESHOLD, "{s}");
        // Generous: the quadratic version needed seconds even in release builds.
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }
}
