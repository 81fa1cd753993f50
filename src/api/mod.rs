//! The HTTP API: actix-web handlers per resource, registered through utoipa-actix-web so
//! every route is in the OpenAPI document (served at /api/openapi.json, committed at
//! openapi/openapi.yaml). Handlers extract → authorise (policy) → call a store → respond.

pub mod agencies;
pub mod agreements;
pub mod api_keys;
pub mod audit;
pub mod audit_linkages;
pub mod auth;
pub mod campaigns;
pub mod categories;
pub mod common_problems;
pub mod deliberations;
pub mod evaluations;
pub mod export;
pub mod extract;
pub mod feed;
pub mod four_party;
pub mod grants;
pub mod groups;
pub mod history;
pub mod inbox;
pub mod info_requests;
pub mod inspected_units;
pub mod mail;
pub mod objects;
pub mod ops;
pub mod page;
pub mod problem;
pub mod records;
pub mod rectification;
pub mod rectification_items;
pub mod report_channels;
pub mod round_stats;
pub mod rounds;
pub mod self_checks;
pub mod similar;
pub mod state;
pub mod stats;
pub mod subscriptions;
pub mod supervision_campaigns;
pub mod sync_batches;
pub mod talent_lists;
pub mod talents;
pub mod teams;
pub mod transfers;
pub mod users;
pub mod webhooks;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(OpenApi)]
#[openapi(
    info(title = "贯通 Guantong — 跨部门监督信息共享平台 API", description = "成员单位发布与订阅信息、线索移交与办理、同步与审计。错误均为 RFC 9457 application/problem+json。"),
    components(schemas(crate::api::problem::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("访问令牌(登录获得)或单位系统接入密钥(gtk_…)"))
                    .build(),
            ),
        );
    }
}

/// The /api/v1 routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::activate)
        .service(auth::request_password_reset)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::me)
        .service(mail::get_mail_preferences)
        .service(mail::put_mail_preferences)
        .service(agencies::list_agencies)
        .service(agencies::create_agency)
        .service(agencies::get_agency)
        .service(agencies::update_agency)
        .service(api_keys::create_api_key)
        .service(api_keys::list_api_keys)
        .service(api_keys::revoke_api_key)
        .service(users::list_users)
        .service(users::create_user)
        .service(users::send_user_link)
        .service(groups::list_groups)
        .service(groups::create_group)
        .service(groups::add_group_member)
        .service(groups::remove_group_member)
        .service(agreements::list_agreements)
        .service(agreements::create_agreement)
        .service(categories::list_categories)
        .service(objects::create_object)
        .service(objects::list_objects)
        .service(objects::get_object)
        .service(records::create_record)
        .service(records::list_records)
        .service(records::get_record)
        .service(records::update_record)
        .service(records::withdraw_record)
        .service(history::record_history)
        .service(grants::record_grants)
        .service(webhooks::list_webhooks)
        .service(webhooks::create_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_deliveries)
        .service(webhooks::replay_webhook)
        .service(webhooks::rotate_webhook_secret)
        .service(subscriptions::list_subscriptions)
        .service(subscriptions::create_subscription)
        .service(subscriptions::delete_subscription)
        .service(inbox::list_inbox)
        .service(inbox::ack_inbox)
        .service(feed::feed)
        .service(sync_batches::push_batch)
        .service(transfers::create_transfer)
        .service(transfers::list_transfers)
        .service(transfers::export_transfers)
        .service(transfers::get_transfer)
        .service(transfers::accept_transfer)
        .service(transfers::start_transfer)
        .service(transfers::return_transfer)
        .service(transfers::conclude_transfer)
        .service(transfers::feedback_transfer)
        .service(similar::similar_records)
        .service(stats::clue_stats)
        .service(stats::clue_stats_by_agency)
        .service(deliberations::open_deliberation)
        .service(deliberations::list_deliberations)
        .service(deliberations::get_deliberation)
        .service(deliberations::add_minutes)
        .service(deliberations::conclude_deliberation)
        .service(deliberations::create_assignment)
        .service(deliberations::urge_assignment)
        .service(deliberations::complete_assignment)
        .service(round_stats::across_rounds)
        .service(round_stats::export_across_rounds)
        .service(round_stats::round_stats)
        .service(rounds::create_round)
        .service(rounds::list_rounds)
        .service(rounds::get_round)
        .service(rounds::advance_round)
        .service(rounds::add_round_participants)
        .service(rounds::add_round_team)
        .service(rounds::add_round_unit)
        .service(inspected_units::get_inspected_unit)
        .service(inspected_units::update_inspected_unit)
        .service(inspected_units::create_finding)
        .service(inspected_units::list_findings)
        .service(talents::create_talent)
        .service(talents::create_talent_batch)
        .service(talent_lists::list_talents)
        .service(talent_lists::talent_stats)
        .service(talent_lists::export_talents)
        .service(talents::get_talent)
        .service(talents::update_talent)
        .service(talents::commend_talent)
        .service(teams::propose_team)
        .service(teams::get_team)
        .service(teams::add_team_member)
        .service(teams::remove_team_member)
        .service(info_requests::create_info_request)
        .service(info_requests::list_info_requests)
        .service(info_requests::info_request_stats)
        .service(info_requests::get_info_request)
        .service(info_requests::answer_info_request)
        .service(info_requests::remind_info_request)
        .service(info_requests::close_info_request)
        .service(info_requests::export_info_request)
        .service(rectification::get_feedback)
        .service(rectification::issue_feedback)
        .service(rectification::sign_feedback)
        .service(rectification::list_plans)
        .service(rectification::submit_plan)
        .service(rectification::get_plan)
        .service(rectification::review_plan)
        .service(rectification::rectification_stats)
        .service(rectification_items::list_items)
        .service(rectification_items::step_items)
        .service(rectification_items::get_item)
        .service(rectification_items::add_item_note)
        .service(rectification_items::step_item)
        .service(rectification_items::upload_evidence)
        .service(rectification_items::download_evidence)
        .service(rectification_items::get_ledger)
        .service(rectification_items::export_unit_ledger)
        .service(rectification_items::export_round_ledger)
        .service(four_party::open_review)
        .service(four_party::list_reviews)
        .service(four_party::get_review)
        .service(four_party::record_verdicts)
        .service(four_party::conclude_review)
        .service(audit_linkages::create_audit_linkage)
        .service(audit_linkages::list_unit_audit_linkages)
        .service(audit_linkages::list_audit_linkages)
        .service(audit_linkages::get_audit_linkage)
        .service(audit_linkages::end_audit_linkage)
        .service(audit_linkages::create_audit_linkage_finding)
        .service(audit_linkages::list_audit_linkage_findings)
        .service(supervision_campaigns::create_campaign)
        .service(supervision_campaigns::list_campaigns)
        .service(supervision_campaigns::get_campaign)
        .service(supervision_campaigns::export_campaign)
        .service(evaluations::create_evaluation)
        .service(evaluations::list_round_evaluations)
        .service(evaluations::get_evaluation)
        .service(evaluations::update_evaluation)
        .service(evaluations::submit_scores)
        .service(evaluations::list_scores)
        .service(evaluations::finalise_evaluation)
        .service(evaluations::export_evaluation)
        .service(evaluations::unit_evaluations)
        .service(common_problems::create_common_problem)
        .service(common_problems::list_round_common_problems)
        .service(common_problems::round_common_problem_stats)
        .service(common_problems::export_round_common_problems)
        .service(common_problems::list_common_problems)
        .service(common_problems::get_common_problem)
        .service(self_checks::create_self_check)
        .service(self_checks::list_round_self_checks)
        .service(self_checks::export_round_self_checks)
        .service(self_checks::list_self_checks)
        .service(self_checks::get_self_check)
        .service(self_checks::report_self_check)
        .service(campaigns::create_campaign)
        .service(campaigns::list_campaigns)
        .service(campaigns::export_campaigns)
        .service(campaigns::get_campaign)
        .service(campaigns::link_campaign)
        .service(report_channels::create_report_channel)
        .service(report_channels::list_report_channels)
        .service(report_channels::get_report_channel)
        .service(report_channels::update_report_channel)
        .service(report_channels::report_channel_qr_svg)
        .service(report_channels::report_channel_qr_png)
        .service(report_channels::report_channel_stats)
        .service(report_channels::list_public_reports)
        .service(report_channels::get_public_report)
        .service(report_channels::step_public_report)
        .service(report_channels::download_public_report_file)
        .service(audit::list_audit);
}

/// Root-level operational routes.
pub fn configure_ops(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz).service(ops::readyz).service(ops::metrics);
}

/// The OpenAPI document, built from the same registration the server uses.
pub fn openapi() -> utoipa::openapi::OpenApi {
    use utoipa_actix_web::AppExt;
    let (_, api) = actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope("/api/v1").configure(configure))
        .configure(configure_ops)
        .split_for_parts();
    let mut api = api;
    crate::contract::complete(&mut api);
    api
}
