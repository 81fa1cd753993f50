//! Table tests of the record rules: who reads, who sees protected fields, what each read
//! mode discloses, and what goes with the content.

use super::*;

fn viewer(a: &str, active: bool, groups: &[&str]) -> Viewer {
    Viewer { agency_id: a.into(), agency_active: active, group_ids: groups.iter().map(|g| g.to_string()).collect() }
}

fn record(level: DistributionLevel, s: Sensitivity) -> AccessFacts {
    AccessFacts {
        owner_agency_id: "owner".into(),
        level: Some(level),
        group_id: Some("g".into()),
        recipients: vec!["r".into()],
        grants: vec!["t".into()],
        read_grants: vec!["p".into()],
        field_grants: vec!["f".into()],
        sensitivity: Some(s),
        withdrawn: false,
        from_public_channel: false,
    }
}

#[test]
fn who_reads_and_who_sees_protected_fields() {
    use DistributionLevel::*;
    // (level, reader, active, groups, reads, sees protected)
    type Case<'a> = (DistributionLevel, &'a str, bool, &'a [&'a str], bool, bool);
    let table: Vec<Case> = vec![
        (Own, "owner", true, &[], true, true),
        (Own, "owner", false, &[], true, true),
        (Own, "r", true, &[], false, false),
        (Agencies, "r", true, &[], true, false),
        (Agencies, "r", false, &[], false, false),
        (Agencies, "x", true, &[], false, false),
        (Group, "x", true, &["g"], true, false),
        (Group, "x", true, &["h"], false, false),
        (All, "x", true, &[], true, false),
        (All, "x", false, &[], false, false),
        (All, "f", true, &[], true, true),
        (Own, "t", true, &[], true, true),
        (Own, "p", true, &[], true, false),
        (Own, "f", true, &[], false, true),
    ];
    for (level, a, active, groups, reads, protected) in table {
        let v = viewer(a, active, groups);
        let r = record(level, Sensitivity::Sensitive);
        assert_eq!(can_read(&v, &r), reads, "{level:?} {a} {active} {groups:?}");
        assert_eq!(may_see_protected(&v, &r), protected, "{level:?} {a}");
        // The feed index finds every record a reader reads (and narrows to few others).
        let shared = viewer_feed_keys(&v).iter().any(|k| record_feed_keys(&r).contains(k));
        assert!(shared || !reads, "feed keys miss {level:?} for {a}");
        assert_eq!(shared, reads || (a == "r" && !active && level == Agencies), "feed keys {level:?} {a} {active}");
    }
    let mut gone = record(DistributionLevel::All, Sensitivity::General);
    gone.withdrawn = true;
    assert!(!can_read(&viewer("owner", true, &[]), &gone));
    let dir = vec![viewer("owner", true, &[]), viewer("r", true, &[]), viewer("x", true, &[]), viewer("p", true, &[])];
    assert_eq!(audience(&dir, &record(DistributionLevel::Agencies, Sensitivity::General)), vec!["owner", "p", "r"]);
}

#[test]
fn disclosure_by_mode() {
    use Sensitivity::*;
    let (owner, reader) = (viewer("owner", true, &[]), viewer("r", true, &[]));
    // (sensitivity, reader, mode, expected (content, protected) or None for 428, audited)
    type Case<'a> = (Sensitivity, &'a Viewer, ReadMode<'a>, Option<(bool, bool)>, bool);
    let table: Vec<Case> = vec![
        (General, &reader, ReadMode::Single { purpose: None }, Some((true, false)), false),
        (Sensitive, &owner, ReadMode::Single { purpose: None }, Some((true, true)), true),
        (Restricted, &reader, ReadMode::Single { purpose: None }, None, false),
        (Restricted, &reader, ReadMode::Single { purpose: Some("核查") }, Some((true, false)), true),
        (Restricted, &reader, ReadMode::Listing { purpose: None }, Some((false, false)), false),
        (Restricted, &reader, ReadMode::Listing { purpose: Some("核查") }, Some((true, false)), true),
        (Sensitive, &owner, ReadMode::Listing { purpose: None }, Some((true, false)), false),
        (Restricted, &owner, ReadMode::Feed { purpose: None }, Some((false, false)), false),
        (Restricted, &owner, ReadMode::Feed { purpose: Some("同步") }, Some((true, true)), true),
        (General, &reader, ReadMode::Feed { purpose: None }, Some((true, false)), false),
    ];
    for (s, v, mode, expected, audited) in table {
        let r = record(DistributionLevel::Agencies, s);
        match (disclosure(v, &r, mode), expected) {
            (Ok(d), Some((content, protected))) => {
                assert_eq!((d.content, d.protected), (content, protected), "{s:?} {} {mode:?}", v.agency_id);
                assert_eq!(d.recipients, v.agency_id == "owner");
                assert_eq!(disclosure_is_audited(&r, d, true), audited, "{s:?} {mode:?}");
            }
            (Err(AppError::PreconditionRequired(_)), None) => {}
            (got, _) => panic!("{s:?} {mode:?}: {got:?}"),
        }
    }
}

#[test]
fn transfer_text_by_sensitivity_and_purpose() {
    use Sensitivity::*;
    // (sensitivity, purpose, shown, audited)
    let table: Vec<(Option<Sensitivity>, Option<&str>, bool, bool)> = vec![
        (Some(General), None, true, false),
        (Some(General), Some("核查"), true, false),
        (Some(Sensitive), None, true, false),
        (Some(Sensitive), Some("核查"), true, false),
        (Some(Restricted), None, false, false),
        (Some(Restricted), Some("核查"), true, true),
        (None, None, false, false),
        (None, Some("核查"), true, true),
    ];
    for (s, purpose, shown, audited) in table {
        assert_eq!(transfer_text(s, purpose), TransferText { shown, audited }, "{s:?} {purpose:?}");
    }
}

#[test]
fn inbox_notes_go_with_the_content() {
    let note = || Some("移交线索,办理期限 2026-12-01:核查举报人反映的问题".to_string());
    // (reason, withheld, shown note)
    let table: Vec<(&str, bool, Option<&str>)> = vec![
        ("transfer.created", false, Some("移交线索,办理期限 2026-12-01:核查举报人反映的问题")),
        ("transfer.created", true, Some("已移交(内容受限,说明访问目的后可见)")),
        ("transfer.returned", true, Some("已退回(内容受限,说明访问目的后可见)")),
        ("transfer.concluded", true, Some("已办结(内容受限,说明访问目的后可见)")),
        ("transfer.closed", true, Some("已反馈(内容受限,说明访问目的后可见)")),
        ("deliberation", true, Some("办理动态(内容受限,说明访问目的后可见)")),
        ("duplicate", true, Some("移交线索,办理期限 2026-12-01:核查举报人反映的问题")),
        ("subscription", true, Some("移交线索,办理期限 2026-12-01:核查举报人反映的问题")),
    ];
    for (reason, withheld, shown) in table {
        assert_eq!(inbox_note(reason, note(), withheld).as_deref(), shown, "{reason} {withheld}");
    }
    assert_eq!(inbox_note("transfer.closed", None, false), None);
}

#[test]
fn grants_and_the_grant_listing() {
    let table = [("transfer", GrantReason::Transfer, true), ("deliberation", GrantReason::Deliberation, false)];
    // An unknown stored reason is no reason: reading it is an error, never a grant.
    assert_eq!(GrantReason::parse("x"), None);
    assert_eq!(GrantReason::parse("Transfer"), None);
    for (s, reason, full) in table {
        assert_eq!(GrantReason::parse(s), Some(reason));
        assert_eq!(reason.full_access(), full);
    }
    let r = record(DistributionLevel::All, Sensitivity::General);
    for (a, ok) in [("owner", true), ("r", false), ("t", false)] {
        assert_eq!(require_grant_viewer(&viewer(a, true, &[]), &r).is_ok(), ok, "{a}");
    }
}
