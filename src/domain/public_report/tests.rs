use super::*;

fn draft(account: &str) -> ReportDraft {
    ReportDraft { account: account.into(), ..Default::default() }
}

#[test]
fn a_report_needs_an_account_and_keeps_identity_only_when_given_openly() {
    assert!(check_report(&draft("太短")).is_err());
    let mut d = draft("村委会主任在征地补偿款发放中优亲厚友,群众意见很大。");
    assert_eq!(check_report(&d).unwrap().identity, None);
    d.name = " 王某 ".into();
    d.contact = "138".into();
    assert_eq!(check_report(&d).unwrap().identity, Some(("王某".into(), "138".into())));
    d.anonymous = true;
    assert_eq!(check_report(&d).unwrap().identity, None, "anonymous drops what was typed");
}

#[test]
fn every_bad_field_is_named() {
    let d = ReportDraft {
        account: "长".repeat(MAX_ACCOUNT_CHARS + 1),
        place: "地".repeat(MAX_PLACE_CHARS + 1),
        persons: "x\u{0}".into(),
        name: "名".repeat(MAX_NAME_CHARS + 1),
        contact: "1".repeat(MAX_CONTACT_CHARS + 1),
        anonymous: false,
    };
    let fields: Vec<String> = check_report(&d).unwrap_err().into_iter().map(|e| e.field).collect();
    for f in ["account", "place", "persons", "name", "contact"] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
}

#[test]
fn the_team_moves_a_report_forward_only() {
    use ReportAction as A;
    use ReportState as S;
    assert_eq!(S::Received.after(A::Verify), Ok(S::Verifying));
    assert_eq!(S::Verifying.after(A::Convert), Ok(S::Clue));
    assert_eq!(S::Clue.after(A::Close), Ok(S::Closed));
    assert_eq!(S::Received.after(A::MarkDuplicate), Ok(S::Duplicate));
    assert!(S::Verifying.after(A::Verify).is_err());
    assert!(S::Clue.after(A::MarkDuplicate).is_err());
    assert!(S::Closed.after(A::Close).is_err());
    assert!(S::Duplicate.after(A::Convert).is_err());
}

#[test]
fn reporters_see_three_stages() {
    assert_eq!(ReportState::Received.public_status(), PublicStatus::Received);
    assert_eq!(ReportState::Clue.public_status(), PublicStatus::Verifying);
    assert_eq!(ReportState::Duplicate.public_status(), PublicStatus::Handled);
    assert!(ReportState::Closed.is_final() && !ReportState::Clue.is_final());
}

#[test]
fn a_channel_is_open_within_its_period_only() {
    assert!(is_open("2026-11-01", "2026-11-30", false, "2026-11-01"));
    assert!(is_open("2026-11-01", "2026-11-30", false, "2026-11-30"));
    assert!(!is_open("2026-11-01", "2026-11-30", false, "2026-12-01"));
    assert!(!is_open("2026-11-01", "2026-11-30", false, "2026-10-31"));
    assert!(!is_open("2026-11-01", "2026-11-30", true, "2026-11-15"));
    let mut errs = vec![];
    check_period("2026-11-30", "2026-11-01", &mut errs);
    check_period("2026-1-1", "2027-01-01", &mut errs);
    check_period("2026-01-01", "2027-06-01", &mut errs);
    let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["closes_on", "opens_on", "closes_on"]);
}

#[test]
fn the_record_title_carries_no_word_of_the_reporter() {
    let r = check_report(&ReportDraft {
        account: "某某局长收受红包,地点在县城某酒店。".into(),
        name: "李某".into(),
        ..Default::default()
    })
    .unwrap();
    let (title, body) = record_text("第三巡察组", "某镇党委", 7, &r);
    assert_eq!(title, "码上巡察群众举报 · 第三巡察组 · 第7号");
    assert!(body.contains("收受红包") && !body.contains("李某"));
}
