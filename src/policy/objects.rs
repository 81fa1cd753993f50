//! Supervision objects (监督对象) are shared reference data, but which unit registered a
//! person is not: a unit's interest in a cadre is itself sensitive. The creator is shown to
//! the creating agency only.

/// Whether `viewer_agency` may learn that `creator_agency` registered an object.
pub fn may_see_object_creator(viewer_agency: &str, creator_agency: &str) -> bool {
    viewer_agency == creator_agency
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_creator_sees_the_creator() {
        for (viewer, creator, want) in [("a", "a", true), ("b", "a", false), ("", "a", false)] {
            assert_eq!(may_see_object_creator(viewer, creator), want, "{viewer} / {creator}");
        }
    }
}
