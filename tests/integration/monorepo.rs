//! A monorepo: each service's deploy writes the `.env` in its own folder
//! (`working-directory`), so one service's keys never satisfy another's reads.

use crate::common::{check_json, findings, key_entry};

/// The report on `fixture`, whose one finding is an `unset-required` on
/// STRIPE_API_KEY (exit code 1).
fn the_one_stripe_error(fixture: &str) -> serde_json::Value {
    let (report, code) = check_json(fixture, &[]);
    assert_eq!(
        findings(&report),
        [(
            "unset-required".to_string(),
            Some("STRIPE_API_KEY".to_string())
        )]
    );
    assert_eq!(code, 1);
    report
}

#[test]
fn a_key_written_for_one_service_does_not_reach_another() {
    let report = the_one_stripe_error("monorepo-services");
    let finding = &report["findings"][0];
    assert_eq!(finding["file"], "services/billing/billing/settings.py");
    // The place to fix is billing's own deploy, not every workflow in the repository.
    assert_eq!(
        finding["related"],
        serde_json::json!([{"file": ".github/workflows/deploy-billing.yml", "line": 16,
                            "label": "the deploy writes the app's env here"}])
    );
}

#[test]
fn the_working_directory_places_the_env_file() {
    let (report, _) = check_json("monorepo-services", &[]);
    let stripe = key_entry(&report, "STRIPE_API_KEY");
    assert_eq!(stripe["written"][0]["sink"], "services/api/.env");
    assert_eq!(
        stripe["written"][0]["remote"],
        serde_json::Value::Null,
        "runner-side"
    );
}

/// One job writes both services' `.env` (api's with STRIPE_API_KEY,
/// billing's without): in that target the key reaches api, not billing.
#[test]
fn a_key_one_job_writes_for_one_service_is_missing_for_the_other_in_that_target() {
    let report = the_one_stripe_error("monorepo-one-deploy-job");
    let finding = &report["findings"][0];
    // The read that fails is billing's, not api's (where the key arrives).
    assert_eq!(finding["file"], "services/billing/billing/settings.py");
    assert_eq!(finding["line"], 6);
    assert!(
        finding["message"]
            .as_str()
            .is_some_and(|m| m.contains("deploy target production does not set it")),
        "{}",
        finding["message"]
    );
    let stripe = key_entry(&report, "STRIPE_API_KEY");
    assert_eq!(
        stripe["target_reach"],
        serde_json::json!({"production": "unset", "staging": "set"})
    );
}
