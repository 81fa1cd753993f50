// Diesel schema shared by both backends (migrations/sqlite and migrations/postgres keep the
// same columns and types). Only types both backends support: Text, BigInt, Integer, Bool.

diesel::table! {
    agencies (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        level -> Text,
        parent_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        agency_id -> Text,
        roles -> Text,
        email -> Nullable<Text>,
        active -> Bool,
        created_at -> Text,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        agency_id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        roles -> Text,
        created_at -> Text,
        revoked_at -> Nullable<Text>,
        last_used_at -> Nullable<Text>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        expires_at -> Text,
        created_at -> Text,
        revoked_at -> Nullable<Text>,
    }
}

diesel::table! {
    sharing_groups (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    group_members (group_id, agency_id) {
        group_id -> Text,
        agency_id -> Text,
        joined_at -> Text,
    }
}

diesel::table! {
    agreements (id) {
        id -> Text,
        name -> Text,
        source_agency_id -> Nullable<Text>,
        source_kind -> Nullable<Text>,
        record_kind -> Text,
        recipient_agency_ids -> Text,
        recipient_kinds -> Text,
        protected_fields -> Bool,
        created_at -> Text,
    }
}

diesel::table! {
    categories (code) {
        code -> Text,
        name -> Text,
        parent_code -> Nullable<Text>,
        sort_order -> Integer,
    }
}

diesel::table! {
    subject_objects (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        unit -> Nullable<Text>,
        position -> Nullable<Text>,
        id_number_hash -> Nullable<Text>,
        created_by_agency_id -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    records (id) {
        id -> Text,
        owner_agency_id -> Text,
        author_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        category -> Nullable<Text>,
        tags -> Text,
        attributes -> Text,
        distribution_level -> Text,
        group_id -> Nullable<Text>,
        sensitivity -> Text,
        protected -> Text,
        external_id -> Nullable<Text>,
        version -> Integer,
        content_hash -> Text,
        seq -> BigInt,
        created_at -> Text,
        updated_at -> Text,
        withdrawn_at -> Nullable<Text>,
    }
}

diesel::table! {
    record_recipients (record_id, agency_id) {
        record_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    record_field_grants (record_id, agency_id) {
        record_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    record_grants (record_id, agency_id, reason, source_id) {
        record_id -> Text,
        agency_id -> Text,
        reason -> Text,
        source_id -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    record_objects (record_id, object_id) {
        record_id -> Text,
        object_id -> Text,
    }
}

diesel::table! {
    record_versions (record_id, version) {
        record_id -> Text,
        version -> Integer,
        seq -> BigInt,
        action -> Text,
        actor_id -> Text,
        at -> Text,
        snapshot -> Nullable<Text>,
    }
}

diesel::table! {
    log_head (id) {
        id -> Integer,
        event_seq -> BigInt,
        audit_seq -> BigInt,
        audit_hash -> Text,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        event_type -> Text,
        record_id -> Nullable<Text>,
        target_agency_id -> Nullable<Text>,
        actor_agency_id -> Nullable<Text>,
        payload -> Text,
        at -> Text,
    }
}

diesel::table! {
    feed_keys (key, seq) {
        key -> Text,
        seq -> BigInt,
    }
}

diesel::table! {
    audit_pending (id) {
        id -> BigInt,
        at -> Text,
        actor_user_id -> Nullable<Text>,
        actor_agency_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        purpose -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Text,
        actor_user_id -> Nullable<Text>,
        actor_agency_id -> Nullable<Text>,
        action -> Text,
        resource_type -> Text,
        resource_id -> Nullable<Text>,
        purpose -> Nullable<Text>,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        agency_id -> Text,
        user_id -> Nullable<Text>,
        name -> Text,
        kinds -> Text,
        categories -> Text,
        object_ids -> Text,
        source_agency_ids -> Text,
        tags -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    inbox_items (id) {
        id -> Text,
        agency_id -> Text,
        record_id -> Text,
        subscription_id -> Nullable<Text>,
        reason -> Text,
        seq -> BigInt,
        created_at -> Text,
        acked_at -> Nullable<Text>,
        acked_by -> Nullable<Text>,
        ref_id -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (agency_id, idem_key) {
        agency_id -> Text,
        idem_key -> Text,
        request_hash -> Text,
        status -> Integer,
        response -> Text,
        created_at -> Text,
    }
}

diesel::joinable!(inbox_items -> records (record_id));
diesel::joinable!(record_objects -> records (record_id));
diesel::joinable!(users -> agencies (agency_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    users,
    api_keys,
    refresh_tokens,
    sharing_groups,
    group_members,
    agreements,
    categories,
    subject_objects,
    records,
    record_recipients,
    record_field_grants,
    record_grants,
    record_objects,
    record_versions,
    log_head,
    events,
    audit_log,
    audit_pending,
    feed_keys,
    subscriptions,
    inbox_items,
    idempotency_keys,
    transfers,
    duplicate_flags,
    deliberations,
    deliberation_participants,
    assignments,
);

diesel::table! {
    transfers (id) {
        id -> Text,
        record_id -> Text,
        from_agency_id -> Text,
        to_agency_id -> Text,
        suggestion -> Text,
        deadline -> Text,
        round -> Nullable<Text>,
        category -> Nullable<Text>,
        state -> Text,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
        accepted_at -> Nullable<Text>,
        started_at -> Nullable<Text>,
        concluded_at -> Nullable<Text>,
        closed_at -> Nullable<Text>,
        returned_at -> Nullable<Text>,
        return_reason -> Nullable<Text>,
        outcome -> Nullable<Text>,
        sanctions_disciplinary -> Integer,
        sanctions_organizational -> Integer,
        sanctions_judicial -> Integer,
        summary -> Nullable<Text>,
        feedback_note -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    duplicate_flags (id) {
        id -> Text,
        record_id -> Text,
        other_record_id -> Text,
        score -> Double,
        shared_text -> Text,
        object_id -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    deliberations (id) {
        id -> Text,
        record_id -> Text,
        convener_agency_id -> Text,
        title -> Text,
        state -> Text,
        minutes -> Text,
        conclusion -> Nullable<Text>,
        created_by -> Text,
        created_at -> Text,
        concluded_at -> Nullable<Text>,
    }
}

diesel::table! {
    deliberation_participants (deliberation_id, agency_id) {
        deliberation_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    assignments (id) {
        id -> Text,
        deliberation_id -> Text,
        agency_id -> Text,
        task -> Text,
        deadline -> Text,
        state -> Text,
        urge_count -> Integer,
        last_urged_at -> Nullable<Text>,
        last_urge_note -> Nullable<Text>,
        result -> Nullable<Text>,
        done_at -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::joinable!(transfers -> records (record_id));

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        agency_id -> Text,
        url -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Text>,
        event_types -> Text,
        description -> Text,
        active -> Bool,
        disabled_reason -> Nullable<Text>,
        cursor_seq -> BigInt,
        attempts -> Integer,
        next_attempt_at -> Text,
        failing_since -> Nullable<Text>,
        last_success_at -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Text>,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
        deleted_at -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        seq -> BigInt,
        event_type -> Text,
        status -> Text,
        attempts -> Integer,
        response_status -> Nullable<Integer>,
        latency_ms -> Nullable<BigInt>,
        error -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, webhook_deliveries);

diesel::table! {
    mail_preferences (user_id, event_type) {
        user_id -> Text,
        event_type -> Text,
        mode -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> Text,
        dedupe_key -> Text,
        user_id -> Text,
        recipient -> Text,
        event_type -> Text,
        seq -> BigInt,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Text,
        last_error -> Nullable<Text>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Text>,
        created_at -> Text,
        updated_at -> Text,
        sent_at -> Nullable<Text>,
    }
}

diesel::table! {
    mail_digest_items (id) {
        id -> Text,
        user_id -> Text,
        event_type -> Text,
        seq -> BigInt,
        record_id -> Nullable<Text>,
        line -> Text,
        created_at -> Text,
        digest_id -> Nullable<Text>,
    }
}

diesel::table! {
    mail_digest_runs (day) {
        day -> Text,
        ran_at -> Text,
        mails -> Integer,
    }
}

diesel::table! {
    transfer_reminders (transfer_id, kind) {
        transfer_id -> Text,
        kind -> Text,
        seq -> BigInt,
        created_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(transfers, transfer_reminders);

diesel::table! {
    credential_tokens (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Text,
        used_at -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        last_failure_at -> Text,
        locked_until -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(credential_tokens, users);

diesel::table! {
    web_sessions (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        csrf_token -> Text,
        created_at -> Text,
        last_seen_at -> Text,
        expires_at -> Text,
        revoked_at -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(web_sessions, users);
diesel::allow_tables_to_appear_in_same_query!(web_sessions, agencies);

diesel::table! {
    rounds (id) {
        id -> Text,
        owner_agency_id -> Text,
        name -> Text,
        number -> Integer,
        kind -> Text,
        stage -> Text,
        period_start -> Text,
        period_end -> Text,
        focus -> Text,
        version -> Integer,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    round_participants (round_id, agency_id) {
        round_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    teams (id) {
        id -> Text,
        round_id -> Text,
        name -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    inspected_units (id) {
        id -> Text,
        round_id -> Text,
        object_id -> Text,
        team_id -> Nullable<Text>,
        account_agency_id -> Nullable<Text>,
        created_at -> Text,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        record_id -> Text,
        kind -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    rectification_items (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        plan_id -> Text,
        finding_id -> Text,
        task -> Text,
        measure -> Text,
        responsible_person -> Text,
        deadline -> Text,
        state -> Text,
        closed_at -> Nullable<Text>,
        version -> Integer,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    rounds,
    round_participants,
    teams,
    inspected_units,
    findings,
    rectification_items
);
diesel::allow_tables_to_appear_in_same_query!(rectification_items, records);
diesel::allow_tables_to_appear_in_same_query!(rectification_items, transfers);
diesel::allow_tables_to_appear_in_same_query!(rectification_items, subject_objects);
diesel::joinable!(rectification_items -> findings (finding_id));
diesel::joinable!(rectification_items -> inspected_units (inspected_unit_id));
diesel::allow_tables_to_appear_in_same_query!(rounds, agencies);
diesel::allow_tables_to_appear_in_same_query!(rounds, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(rounds, records);
diesel::allow_tables_to_appear_in_same_query!(rounds, transfers);
diesel::allow_tables_to_appear_in_same_query!(rounds, record_grants);
diesel::allow_tables_to_appear_in_same_query!(rounds, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(rounds, group_members);
diesel::allow_tables_to_appear_in_same_query!(round_participants, agencies);
diesel::allow_tables_to_appear_in_same_query!(round_participants, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(round_participants, records);
diesel::allow_tables_to_appear_in_same_query!(round_participants, transfers);
diesel::allow_tables_to_appear_in_same_query!(round_participants, record_grants);
diesel::allow_tables_to_appear_in_same_query!(round_participants, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(round_participants, group_members);
diesel::allow_tables_to_appear_in_same_query!(teams, agencies);
diesel::allow_tables_to_appear_in_same_query!(teams, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(teams, records);
diesel::allow_tables_to_appear_in_same_query!(teams, transfers);
diesel::allow_tables_to_appear_in_same_query!(teams, record_grants);
diesel::allow_tables_to_appear_in_same_query!(teams, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(teams, group_members);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, agencies);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, records);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, transfers);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, record_grants);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(inspected_units, group_members);
diesel::allow_tables_to_appear_in_same_query!(findings, agencies);
diesel::allow_tables_to_appear_in_same_query!(findings, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(findings, records);
diesel::allow_tables_to_appear_in_same_query!(findings, transfers);
diesel::allow_tables_to_appear_in_same_query!(findings, record_grants);
diesel::allow_tables_to_appear_in_same_query!(findings, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(findings, group_members);
diesel::joinable!(findings -> records (record_id));
diesel::joinable!(findings -> inspected_units (inspected_unit_id));
diesel::joinable!(inspected_units -> subject_objects (object_id));
diesel::joinable!(inspected_units -> rounds (round_id));
diesel::joinable!(round_participants -> rounds (round_id));
diesel::joinable!(teams -> rounds (round_id));

// ---- issue 11: talent pool ----

diesel::table! {
    talents (id) {
        id -> Text,
        recommending_agency_id -> Text,
        name -> Text,
        work_unit_object_id -> Nullable<Text>,
        work_unit_name -> Text,
        position -> Text,
        expertise -> Text,
        eligible -> Text,
        active -> Bool,
        version -> Integer,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    talent_postings (id) {
        id -> Text,
        talent_id -> Text,
        unit_object_id -> Text,
        from_date -> Text,
        to_date -> Nullable<Text>,
    }
}

diesel::table! {
    talent_relations (id) {
        id -> Text,
        talent_id -> Text,
        unit_object_id -> Text,
        relation -> Text,
    }
}

diesel::table! {
    talent_commendations (id) {
        id -> Text,
        talent_id -> Text,
        title -> Text,
        awarded_on -> Text,
        round_id -> Nullable<Text>,
        agency_id -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    team_members (team_id, talent_id) {
        team_id -> Text,
        talent_id -> Text,
        round_id -> Text,
        position -> Text,
        added_by -> Text,
        added_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    talents,
    talent_postings,
    talent_relations,
    talent_commendations,
    team_members
);
diesel::allow_tables_to_appear_in_same_query!(talents, agencies);
diesel::allow_tables_to_appear_in_same_query!(talents, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(talents, teams);
diesel::allow_tables_to_appear_in_same_query!(talents, rounds);
diesel::allow_tables_to_appear_in_same_query!(team_members, teams);
diesel::allow_tables_to_appear_in_same_query!(team_members, rounds);
diesel::allow_tables_to_appear_in_same_query!(team_members, inspected_units);
diesel::allow_tables_to_appear_in_same_query!(talent_commendations, rounds);
diesel::allow_tables_to_appear_in_same_query!(talent_postings, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(talent_relations, subject_objects);
diesel::joinable!(team_members -> talents (talent_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(talent_postings -> talents (talent_id));
diesel::joinable!(talent_relations -> talents (talent_id));
diesel::joinable!(talent_commendations -> talents (talent_id));

// ---- issue 11: information requests (函询) ----

diesel::table! {
    info_requests (id) {
        id -> Text,
        kind -> Text,
        asker_agency_id -> Text,
        round_id -> Nullable<Text>,
        title -> Text,
        note -> Text,
        deadline -> Text,
        state -> Text,
        created_by -> Text,
        created_at -> Text,
        closed_at -> Nullable<Text>,
    }
}

diesel::table! {
    info_request_targets (request_id, agency_id) {
        request_id -> Text,
        agency_id -> Text,
        reminded_at -> Nullable<Text>,
        remind_count -> Integer,
        soon_reminded_at -> Nullable<Text>,
        overdue_reminded_at -> Nullable<Text>,
    }
}

diesel::table! {
    info_request_subjects (request_id, object_id) {
        request_id -> Text,
        object_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    info_request_answers (id) {
        id -> Text,
        request_id -> Text,
        agency_id -> Text,
        object_id -> Text,
        finding -> Text,
        note -> Text,
        record_ids -> Text,
        revision -> Integer,
        answered_by -> Text,
        answered_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    info_requests,
    info_request_targets,
    info_request_subjects,
    info_request_answers
);
diesel::allow_tables_to_appear_in_same_query!(info_requests, agencies);
diesel::allow_tables_to_appear_in_same_query!(info_requests, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(info_requests, rounds);
diesel::allow_tables_to_appear_in_same_query!(info_request_targets, agencies);
diesel::allow_tables_to_appear_in_same_query!(info_request_subjects, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(info_request_answers, subject_objects);
diesel::joinable!(info_request_targets -> info_requests (request_id));
diesel::joinable!(info_request_subjects -> info_requests (request_id));
diesel::joinable!(info_request_answers -> info_requests (request_id));
diesel::joinable!(info_request_subjects -> subject_objects (object_id));
diesel::joinable!(info_request_targets -> agencies (agency_id));

// ---- issue 11: feedback, rectification and the four-party review ----

diesel::table! {
    rectification_feedbacks (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        summary -> Text,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    rectification_feedback_problems (feedback_id, finding_id) {
        feedback_id -> Text,
        finding_id -> Text,
        position -> Integer,
        text -> Text,
        category -> Nullable<Text>,
    }
}

diesel::table! {
    rectification_feedback_signatures (feedback_id, party) {
        feedback_id -> Text,
        party -> Text,
        signer_name -> Text,
        agency_id -> Text,
        signed_by -> Text,
        signed_at -> Text,
    }
}

diesel::table! {
    rectification_plans (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        feedback_id -> Text,
        attempt -> Integer,
        summary -> Text,
        state -> Text,
        submitted_by -> Text,
        submitted_at -> Text,
        decided_at -> Nullable<Text>,
    }
}

diesel::table! {
    rectification_plan_tasks (id) {
        id -> Text,
        plan_id -> Text,
        finding_id -> Text,
        position -> Integer,
        task -> Text,
        measure -> Text,
        responsible_person -> Text,
        deadline -> Text,
    }
}

diesel::table! {
    rectification_plan_reviews (plan_id, agency_id) {
        plan_id -> Text,
        agency_id -> Text,
        verdict -> Text,
        grounds -> Text,
        opinion -> Text,
        reviewed_by -> Text,
        reviewed_at -> Text,
    }
}

diesel::table! {
    rectification_item_entries (id) {
        id -> Text,
        item_id -> Text,
        kind -> Text,
        state -> Text,
        text -> Text,
        agency_id -> Text,
        author -> Text,
        at -> Text,
    }
}

diesel::table! {
    rectification_evidence (id) {
        id -> Text,
        item_id -> Text,
        inspected_unit_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    four_party_reviews (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        state -> Text,
        outcome -> Nullable<Text>,
        opened_by -> Text,
        opened_at -> Text,
        concluded_at -> Nullable<Text>,
    }
}

diesel::table! {
    four_party_verdicts (review_id, item_id, party) {
        review_id -> Text,
        item_id -> Text,
        party -> Text,
        verdict -> Text,
        opinion -> Text,
        signer_name -> Text,
        agency_id -> Text,
        recorded_by -> Text,
        recorded_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    rectification_feedbacks,
    rectification_feedback_problems,
    rectification_feedback_signatures,
    rectification_plans,
    rectification_plan_tasks,
    rectification_plan_reviews,
    rectification_item_entries,
    rectification_evidence,
    four_party_reviews,
    four_party_verdicts
);
diesel::allow_tables_to_appear_in_same_query!(rectification_item_entries, rectification_items);
diesel::allow_tables_to_appear_in_same_query!(rectification_evidence, rectification_items);
diesel::allow_tables_to_appear_in_same_query!(four_party_verdicts, rectification_items);
diesel::allow_tables_to_appear_in_same_query!(rectification_plan_tasks, findings);
diesel::allow_tables_to_appear_in_same_query!(rectification_feedback_problems, findings);

// ---- issue 11: audit linkage, common problems and campaigns ----

diesel::table! {
    audit_linkages (id) {
        id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        office_agency_id -> Text,
        audit_agency_id -> Text,
        project_name -> Text,
        start_date -> Text,
        end_date -> Text,
        group_id -> Text,
        state -> Text,
        end_reason -> Nullable<Text>,
        ended_at -> Nullable<Text>,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    common_problems (id) {
        id -> Text,
        round_id -> Text,
        record_id -> Text,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    common_problem_findings (common_problem_id, finding_id) {
        common_problem_id -> Text,
        finding_id -> Text,
    }
}

diesel::table! {
    self_checks (id) {
        id -> Text,
        round_id -> Text,
        office_agency_id -> Text,
        object_id -> Text,
        account_agency_id -> Nullable<Text>,
        requirement -> Text,
        deadline -> Text,
        state -> Text,
        report -> Nullable<Text>,
        reported_at -> Nullable<Text>,
        reported_by -> Nullable<Text>,
        reported_by_unit -> Bool,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Text,
        owner_agency_id -> Text,
        name -> Text,
        description -> Text,
        period_start -> Text,
        period_end -> Text,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    campaign_shares (campaign_id, agency_id) {
        campaign_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    campaign_findings (campaign_id, finding_id) {
        campaign_id -> Text,
        finding_id -> Text,
        round_id -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    campaign_common_problems (campaign_id, common_problem_id) {
        campaign_id -> Text,
        common_problem_id -> Text,
        round_id -> Text,
        created_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    audit_linkages,
    common_problems,
    common_problem_findings,
    self_checks,
    campaigns,
    campaign_shares,
    campaign_findings,
    campaign_common_problems
);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, rounds);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, round_participants);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, inspected_units);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, agencies);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, sharing_groups);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, group_members);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, records);
diesel::allow_tables_to_appear_in_same_query!(audit_linkages, findings);
diesel::allow_tables_to_appear_in_same_query!(common_problems, records);
diesel::allow_tables_to_appear_in_same_query!(common_problems, record_recipients);
diesel::allow_tables_to_appear_in_same_query!(common_problems, record_grants);
diesel::allow_tables_to_appear_in_same_query!(common_problems, group_members);
diesel::allow_tables_to_appear_in_same_query!(common_problems, rounds);
diesel::allow_tables_to_appear_in_same_query!(common_problems, findings);
diesel::allow_tables_to_appear_in_same_query!(common_problem_findings, findings);
diesel::allow_tables_to_appear_in_same_query!(common_problem_findings, records);
diesel::allow_tables_to_appear_in_same_query!(self_checks, subject_objects);
diesel::allow_tables_to_appear_in_same_query!(self_checks, rounds);
diesel::allow_tables_to_appear_in_same_query!(self_checks, inspected_units);
diesel::allow_tables_to_appear_in_same_query!(campaign_findings, findings);
diesel::allow_tables_to_appear_in_same_query!(campaign_findings, records);
diesel::allow_tables_to_appear_in_same_query!(campaign_common_problems, records);
diesel::joinable!(common_problems -> records (record_id));
diesel::joinable!(common_problem_findings -> common_problems (common_problem_id));
diesel::joinable!(common_problem_findings -> findings (finding_id));
diesel::joinable!(campaign_findings -> findings (finding_id));
diesel::joinable!(campaign_findings -> campaigns (campaign_id));
diesel::joinable!(campaign_common_problems -> common_problems (common_problem_id));
diesel::joinable!(campaign_common_problems -> campaigns (campaign_id));
diesel::joinable!(campaign_shares -> campaigns (campaign_id));
diesel::joinable!(audit_linkages -> inspected_units (inspected_unit_id));
diesel::joinable!(self_checks -> subject_objects (object_id));

// ---- issue 11: direct supervision (巡后直督) and quantified evaluation (量化评估) ----

diesel::table! {
    supervision_campaigns (id) {
        id -> Text,
        round_id -> Text,
        name -> Text,
        window_start -> Text,
        window_end -> Text,
        team_ids -> Text,
        created_by -> Text,
        created_at -> Text,
    }
}

diesel::table! {
    campaign_agencies (campaign_id, agency_id) {
        campaign_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    campaign_units (campaign_id, inspected_unit_id) {
        campaign_id -> Text,
        inspected_unit_id -> Text,
    }
}

diesel::table! {
    evaluations (id) {
        id -> Text,
        round_id -> Text,
        name -> Text,
        weights -> Text,
        state -> Text,
        version -> Integer,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
        finalised_at -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_agencies (evaluation_id, agency_id) {
        evaluation_id -> Text,
        agency_id -> Text,
    }
}

diesel::table! {
    evaluation_units (evaluation_id, inspected_unit_id) {
        evaluation_id -> Text,
        inspected_unit_id -> Text,
        score_centi -> Nullable<Integer>,
        unit_rank -> Nullable<Integer>,
        record_id -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_scores (evaluation_id, inspected_unit_id, agency_id, check_code) {
        evaluation_id -> Text,
        inspected_unit_id -> Text,
        agency_id -> Text,
        check_code -> Text,
        score -> Integer,
        note -> Text,
        scored_by -> Text,
        updated_at -> Text,
    }
}

diesel::joinable!(evaluation_units -> evaluations (evaluation_id));
diesel::allow_tables_to_appear_in_same_query!(evaluation_units, evaluations);

diesel::table! {
    job_cursors (name) {
        name -> Text,
        cursor_seq -> BigInt,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Text>,
    }
}

diesel::table! {
    record_search (record_id) {
        record_id -> Text,
        seq -> BigInt,
        exact -> Bool,
    }
}

diesel::allow_tables_to_appear_in_same_query!(records, record_search);

diesel::table! {
    report_channels (id) {
        id -> Text,
        owner_agency_id -> Text,
        round_id -> Text,
        inspected_unit_id -> Text,
        team_id -> Text,
        slug -> Text,
        contact_line -> Text,
        opens_on -> Text,
        closes_on -> Text,
        closed_at -> Nullable<Text>,
        liaison_user_id -> Nullable<Text>,
        reports_count -> Integer,
        version -> Integer,
        created_by -> Text,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    public_reports (id) {
        id -> Text,
        channel_id -> Text,
        number -> Integer,
        record_id -> Text,
        receipt_digest -> Text,
        state -> Text,
        duplicate_of -> Nullable<Text>,
        clue_record_id -> Nullable<Text>,
        close_reason -> Nullable<Text>,
        handled_by -> Nullable<Text>,
        supplements -> Integer,
        created_at -> Text,
        updated_at -> Text,
    }
}

diesel::table! {
    public_report_files (id) {
        id -> Text,
        report_id -> Text,
        filename -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        created_at -> Text,
    }
}

diesel::table! {
    public_challenges_spent (nonce) {
        nonce -> Text,
        expires_at -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(public_reports, report_channels);
diesel::allow_tables_to_appear_in_same_query!(public_reports, records);
