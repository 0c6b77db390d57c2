//! The settings collector: each read form, seen through the JSON report's
//! `keys[].read` entries of a fixture repository.

use serde_json::{Value, json};

use crate::common::{check_json, envtrail, key_entry, read_keys};

/// The one read of `key`, checked field by field; `default: None` means the
/// field must be absent (no literal default), `Some(Value::Null)` is Python `None`.
#[track_caller]
fn assert_read(
    report: &Value,
    key: &str,
    file: &str,
    line: u64,
    via: &str,
    required: bool,
    default: Option<Value>,
) {
    let reads = key_entry(report, key)["read"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(reads.len(), 1, "{key}: {reads:#?}");
    let read = &reads[0];
    assert_eq!(read["file"], file, "{key}: {read}");
    assert_eq!(read["line"], line, "{key}: {read}");
    assert_eq!(read["via"], via, "{key}: {read}");
    assert_eq!(read["required"], required, "{key}: {read}");
    assert_eq!(read.get("default").cloned(), default, "{key}: {read}");
}

#[test]
fn os_environ_forms() {
    let (r, _) = check_json("read-os-environ", &[]);
    let s = "config/settings.py";
    assert_read(&r, "DJANGO_SECRET_KEY", s, 12, "os-environ", true, None);
    assert_read(
        &r,
        "DJANGO_DEBUG",
        s,
        13,
        "os-environ-get",
        false,
        Some(json!("False")),
    );
    assert_read(
        &r,
        "ALLOWED_HOSTS",
        s,
        14,
        "os-getenv",
        false,
        Some(json!("localhost")),
    );
    assert_read(
        &r,
        "TIME_ZONE",
        s,
        15,
        "os-getenv",
        false,
        Some(Value::Null),
    );
    assert_read(&r, "DATABASE_HOST", s, 16, "os-environ", true, None);
    assert_read(
        &r,
        "DATABASE_PORT",
        s,
        17,
        "os-environ-get",
        false,
        Some(json!(5432)),
    );
    assert_read(&r, "CACHE_TTL", s, 18, "os-getenv", false, Some(json!(0.5)));
    assert_read(
        &r,
        "REDIS_URL",
        s,
        19,
        "os-getenv",
        false,
        Some(Value::Null),
    );
    assert_read(
        &r,
        "DATABASE_NAME",
        s,
        29,
        "os-environ-get",
        false,
        Some(json!("blog")),
    );
    assert_read(
        &r,
        "DJANGO_SETTINGS_MODULE",
        "manage.py",
        8,
        "os-environ-setdefault",
        false,
        Some(json!("config.settings")),
    );
    // Comments, strings, docstrings, writes and deletes are not reads.
    let read = read_keys(&r);
    for not_read in [
        "SENTRY_DSN",
        "IN_A_STRING",
        "DOCSTRING_ONLY",
        "WRITTEN_HERE",
        "DELETED_HERE",
    ] {
        assert!(
            !read.iter().any(|k| k == not_read),
            "{not_read} is not a read: {read:?}"
        );
    }
}

#[test]
fn os_getenv_without_default_is_unset_defaulted_not_required() {
    let (r, _) = check_json("read-os-environ", &[]);
    let read = &key_entry(&r, "TIME_ZONE")["read"][0];
    assert_eq!(read["line"], 15, "{read}");
    assert_eq!(read["required"], false, "{read}");
    assert_eq!(read["default"], serde_json::Value::Null, "{read}");
    // The fixture has no deploy: the finding says unknown, never required.
    let finding = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["key"] == "TIME_ZONE"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(finding["rule"], "reach-unknown", "{finding}");
}

#[test]
fn django_environ_forms() {
    let (r, _) = check_json("read-django-environ", &[]);
    let s = "config/settings.py";
    assert_read(&r, "DJANGO_SECRET_KEY", s, 13, "django-environ", true, None);
    assert_read(
        &r,
        "DEBUG",
        s,
        14,
        "django-environ",
        false,
        Some(json!(false)),
    );
    // A list default is not a literal the contract reports: absent, yet not required.
    assert_read(&r, "ALLOWED_HOSTS", s, 15, "django-environ", false, None);
    assert_read(&r, "DATABASE_URL", s, 16, "django-environ", true, None);
    assert_read(
        &r,
        "REDIS_URL",
        s,
        17,
        "django-environ",
        false,
        Some(json!("locmemcache://")),
    );
    assert_read(
        &r,
        "EMAIL_PORT",
        s,
        18,
        "django-environ",
        false,
        Some(json!(587)),
    );
    assert_read(
        &r,
        "AWS_REGION",
        s,
        19,
        "django-environ",
        false,
        Some(json!("ap-northeast-2")),
    );
    assert_read(
        &r,
        "S3_PRESIGN_EXPIRES",
        s,
        21,
        "django-environ",
        false,
        Some(json!(300)),
    );
    // `environ.Env.read_env(...)` loads a file: not a read, not even of an unknown key.
    assert_eq!(r["unknown_reads"], json!([]));
}

#[test]
fn incident_one_fallback_chain_is_understood() {
    let (r, _) = check_json("read-django-environ", &[]);
    let s = "config/settings.py";
    assert_read(
        &r,
        "S3_UPLOAD_BUCKET",
        s,
        20,
        "django-environ",
        false,
        Some(json!("")),
    );
    let head = &key_entry(&r, "S3_UPLOAD_BUCKET")["read"][0];
    assert_eq!(
        head["chain"],
        json!(["S3_UPLOAD_BUCKET", "AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"])
    );
    assert!(head.get("fallback_of").is_none());
    let middle = &key_entry(&r, "AWS_STORAGE_BUCKET_NAME")["read"][0];
    assert_eq!(
        middle["chain"],
        json!(["AWS_STORAGE_BUCKET_NAME", "S3_BUCKET"])
    );
    assert_eq!(middle["fallback_of"], "S3_UPLOAD_BUCKET");
    assert_eq!(
        key_entry(&r, "S3_BUCKET")["read"][0]["fallback_of"],
        "S3_UPLOAD_BUCKET"
    );
    // Findings go to the head of the chain only, quoting the empty default.
    let on_chain: Vec<_> = r["findings"]
        .as_array()
        .map(|fs| fs.iter().filter(|f| f["line"] == 20).cloned().collect())
        .unwrap_or_default();
    assert_eq!(on_chain.len(), 1, "{on_chain:#?}");
    assert_eq!(on_chain[0]["key"], "S3_UPLOAD_BUCKET");
    // The settings load their own .env (`environ.Env.read_env`), which the
    // fixture does not hold: whether the chain is set is unknown.
    assert_eq!(on_chain[0]["rule"], "reach-unknown");
}

#[test]
fn decouple_config_forms() {
    let (r, _) = check_json("read-decouple", &[]);
    let s = "shop/settings.py";
    assert_read(&r, "SECRET_KEY", s, 3, "decouple", true, None);
    assert_read(&r, "DEBUG", s, 4, "decouple", false, Some(json!(false)));
    assert_read(
        &r,
        "ALLOWED_HOSTS",
        s,
        5,
        "decouple",
        false,
        Some(json!("127.0.0.1")),
    );
    assert_read(
        &r,
        "EMAIL_HOST",
        s,
        6,
        "decouple",
        false,
        Some(json!("smtp.example.com")),
    );
    assert_read(&r, "STRIPE_API_KEY", s, 7, "decouple", true, None);
}

#[test]
fn or_and_nested_getenv_chains() {
    let (r, _) = check_json("read-fallback-chain", &[]);
    let s = "config/settings.py";
    assert_read(
        &r,
        "BUCKET_NAME",
        s,
        4,
        "os-getenv",
        false,
        Some(Value::Null),
    );
    assert_eq!(
        key_entry(&r, "BUCKET_NAME")["read"][0]["chain"],
        json!(["BUCKET_NAME", "S3_BUCKET"])
    );
    assert_eq!(
        key_entry(&r, "S3_BUCKET")["read"][0]["fallback_of"],
        "BUCKET_NAME"
    );
    assert_read(
        &r,
        "AWS_REGION",
        s,
        5,
        "os-getenv",
        false,
        Some(json!("us-east-1")),
    );
    assert_eq!(
        key_entry(&r, "AWS_REGION")["read"][0]["chain"],
        json!(["AWS_REGION", "AWS_DEFAULT_REGION"])
    );
    assert_eq!(
        key_entry(&r, "AWS_DEFAULT_REGION")["read"][0]["fallback_of"],
        "AWS_REGION"
    );
    assert_read(&r, "QUEUE_URL", s, 6, "os-getenv", false, Some(Value::Null));
    assert_eq!(
        key_entry(&r, "QUEUE_URL")["read"][0]["chain"],
        json!(["QUEUE_URL", "SQS_URL"])
    );
    assert_eq!(
        key_entry(&r, "SQS_URL")["read"][0]["fallback_of"],
        "QUEUE_URL"
    );
}

#[test]
fn pydantic_settings_fields_with_an_inherited_prefix() {
    // The prefix is declared on a base class in another module.
    let (r, _) = check_json("read-pydantic-settings", &[]);
    let s = "app/core/config.py";
    assert_read(
        &r,
        "SHOP_PROJECT_NAME",
        s,
        9,
        "pydantic-settings",
        false,
        Some(json!("shop")),
    );
    assert_read(
        &r,
        "SHOP_DATABASE_URL",
        s,
        10,
        "pydantic-settings",
        true,
        None,
    );
    assert_read(
        &r,
        "SHOP_WORKERS",
        s,
        11,
        "pydantic-settings",
        false,
        Some(json!(4)),
    );
    assert_read(
        &r,
        "SHOP_SENTRY_DSN",
        s,
        12,
        "pydantic-settings",
        false,
        Some(Value::Null),
    );
    assert_read(
        &r,
        "PAYMENT_API_TOKEN",
        s,
        13,
        "pydantic-settings",
        true,
        None,
    );
}

#[test]
fn wrapper_helpers_defined_in_another_module() {
    let (r, _) = check_json("read-wrapper", &[]);
    let s = "config/settings.py";
    assert_read(&r, "WORKERS", s, 3, "wrapper", false, Some(json!(4)));
    assert_read(&r, "SECRET_KEY", s, 4, "wrapper", true, None);
    assert_read(
        &r,
        "FEATURE_FLAGS",
        s,
        5,
        "wrapper",
        false,
        Some(json!("off")),
    );
    // The helpers' own `os.environ[name]` is not an unknown read: its callers are the reads.
    assert_eq!(r["unknown_reads"], json!([]));
}

#[test]
fn keys_built_at_run_time_are_unknown_reads() {
    let (r, _) = check_json("read-dynamic-key", &[]);
    assert_eq!(read_keys(&r), Vec::<String>::new());
    assert_eq!(
        r["unknown_reads"],
        json!([{"file": "config/settings.py", "line": 5}, {"file": "config/settings.py", "line": 9}])
    );
}

#[test]
fn garbage_python_is_input_unparsed_not_a_crash() {
    let out = envtrail()
        .args(["check", "fixtures/garbage-python", "--format", "json"])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unparsed: Vec<_> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "input-unparsed")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unparsed,
        vec![
            ("config/settings.py".to_string(), 1),
            ("legacy/settings.py".to_string(), 3)
        ]
    );
    // The readable file beside them is still audited.
    assert_read(&r, "DEBUG", "config/good.py", 2, "os-environ", true, None);
}

#[test]
fn same_report_at_any_thread_count() {
    let (one, _) = check_json("read-django-environ", &["--threads", "1"]);
    let (four, _) = check_json("read-django-environ", &["--threads", "4"]);
    assert_eq!(one, four);
}

#[test]
fn setdefault_writes_the_key_for_the_rest_of_the_app() {
    let (r, code) = check_json("write-setdefault", &[]);
    assert_eq!(code, 0, "{}", r["findings"]);
    let written = &key_entry(&r, "APP_ROLE")["written"];
    assert_eq!(written[0]["file"], "config/wsgi.py");
    assert_eq!(written[0]["line"], 6);
    assert_eq!(written[0]["via"], "python-setdefault");
    assert_eq!(written[0]["source"], "literal");
    assert_eq!(
        r["findings"],
        json!([]),
        "APP_ROLE is set by config/wsgi.py"
    );
}

/// `envtrail check fixtures/<name>` in `format`: (stdout, exit code).
fn check_output(name: &str, format: &str) -> (String, Option<i32>) {
    let out = envtrail()
        .args(["check", &format!("fixtures/{name}"), "--format", format])
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code(),
    )
}

#[test]
fn environs_forms() {
    let (r, code) = check_json("read-environs", &[]);
    assert_eq!(code, 1, "MAIL_PASSWORD is required and unset");
    let s = "app/settings.py";
    assert_read(&r, "SECRET_KEY", s, 7, "environs", true, None);
    assert_read(
        &r,
        "FLASK_DEBUG",
        s,
        8,
        "environs",
        false,
        Some(json!(false)),
    );
    assert_read(&r, "DATABASE_URL", s, 9, "environs", true, None);
    assert_read(
        &r,
        "REDIS_URL",
        s,
        10,
        "environs",
        false,
        Some(json!("redis://localhost:6379/0")),
    );
    assert_read(
        &r,
        "SENTRY_DSN",
        s,
        11,
        "environs",
        false,
        Some(Value::Null),
    );
    assert_read(
        &r,
        "LOG_LEVEL",
        s,
        12,
        "environs",
        false,
        Some(json!("INFO")),
    );
    // `with env.prefixed("MAIL_"):` prefixes every key read inside.
    assert_read(
        &r,
        "MAIL_SERVER",
        s,
        15,
        "environs",
        false,
        Some(json!("localhost")),
    );
    assert_read(&r, "MAIL_PORT", s, 16, "environs", false, Some(json!(25)));
    assert_read(&r, "MAIL_PASSWORD", s, 17, "environs", true, None);
    // `env.read_env()` is the app loading the .env the deploy writes: no unknown read.
    assert_eq!(r["unknown_reads"], json!([]));
    assert_eq!(
        crate::common::findings(&r),
        [
            ("unset-required", "MAIL_PASSWORD"),
            ("near-miss", "MAIL_PASSWORD"),
            ("unset-defaulted", "FLASK_DEBUG"),
            ("unset-defaulted", "LOG_LEVEL"),
            ("written-unread", "MAIL_PASSWD"),
            ("unset-defaulted", "SENTRY_DSN"),
        ]
        .map(|(rule, key)| (rule.to_string(), Some(key.to_string())))
    );
}

#[test]
fn environs_table_and_json_snapshots() {
    let (table, code) = check_output("read-environs", "table");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("environs_table", table);
    let (report, _) = check_output("read-environs", "json");
    insta::assert_snapshot!("environs_json", report);
}

#[test]
fn django_configurations_values() {
    let (r, code) = check_json("read-django-configurations", &[]);
    assert_eq!(code, 0, "no error: Prod's reads run only if it is chosen");
    let s = "mysite/settings.py";
    let via = "django-configurations";
    assert_read(&r, "DJANGO_SECRET_KEY", s, 6, via, true, None);
    // A list default is no literal the contract reports.
    assert_read(&r, "DJANGO_ALLOWED_HOSTS", s, 7, via, false, None);
    assert_read(
        &r,
        "DATABASE_URL",
        s,
        8,
        via,
        false,
        Some(json!("sqlite:///db.sqlite3")),
    );
    assert_read(&r, "DJANGO_TIME_ZONE", s, 9, via, false, Some(json!("UTC")));
    assert_read(&r, "DJANGO_DEBUG", s, 15, via, false, Some(json!(true)));
    assert_read(&r, "DJANGO_STRIPE_API_KEY", s, 20, via, true, None);
    assert_read(
        &r,
        "EMAIL_HOST",
        s,
        21,
        via,
        false,
        Some(json!("localhost")),
    );
    // `environ_name` replaces the attribute's name, not the prefix.
    assert_read(&r, "DJANGO_REDIS_URL", s, 22, via, true, None);
    // `environ=False` reads nothing.
    assert!(!read_keys(&r).contains(&"DJANGO_STATIC_ROOT".to_string()));
    // Dev and Prod are both leaves: each one's reads sit under the class.
    let guard = &key_entry(&r, "DJANGO_STRIPE_API_KEY")["read"][0]["guard"];
    assert_eq!(guard["line"], 18, "{guard}");
    assert!(
        key_entry(&r, "DJANGO_SECRET_KEY")["read"][0]
            .get("guard")
            .is_none()
    );
    assert_eq!(
        crate::common::findings(&r),
        [
            ("unset-defaulted", "DJANGO_DEBUG"),
            ("unset-defaulted", "DJANGO_STRIPE_API_KEY"),
            ("near-miss", "DJANGO_STRIPE_API_KEY"),
            ("unset-defaulted", "DJANGO_TIME_ZONE"),
            ("written-unread", "STRIPE_API_KEY"),
        ]
        .map(|(rule, key)| (rule.to_string(), Some(key.to_string())))
    );
}

#[test]
fn django_configurations_table_and_json_snapshots() {
    let (table, code) = check_output("read-django-configurations", "table");
    assert_eq!(code, Some(0));
    insta::assert_snapshot!("django_configurations_table", table);
    let (report, _) = check_output("read-django-configurations", "json");
    insta::assert_snapshot!("django_configurations_json", report);
}

#[test]
fn os_environ_aliases_pop_and_membership_tests() {
    let (r, code) = check_json("read-environ-aliases", &[]);
    assert_eq!(code, 1, "BOOTSTRAP_TOKEN is required and never written");
    let s = "worker/settings.py";
    assert_read(&r, "BROKER_URL", s, 6, "os-environ", true, None);
    assert_read(
        &r,
        "RESULT_BACKEND",
        s,
        7,
        "os-environ-get",
        false,
        Some(json!("rpc://")),
    );
    assert_read(
        &r,
        "WORKER_CONCURRENCY",
        s,
        8,
        "os-environ-get",
        false,
        Some(json!("2")),
    );
    assert_read(&r, "BOOTSTRAP_TOKEN", s, 10, "os-environ-pop", true, None);
    // A membership test reads the key, guarded by itself: written, it is
    // not unread; unset, nothing is missing.
    assert_read(&r, "STATSD_HOST", s, 14, "os-environ-in", false, None);
    assert_read(&r, "DEBUG_TOOLBAR", s, 15, "os-environ-in", false, None);
    assert_eq!(
        key_entry(&r, "DEBUG_TOOLBAR")["read"][0]["guard"]["set"],
        json!(["DEBUG_TOOLBAR"])
    );
    assert_eq!(
        crate::common::findings(&r),
        [
            ("unset-required", "BOOTSTRAP_TOKEN"),
            ("unset-defaulted", "WORKER_CONCURRENCY"),
        ]
        .map(|(rule, key)| (rule.to_string(), Some(key.to_string())))
    );
}

#[test]
fn os_environ_aliases_table_and_json_snapshots() {
    let (table, code) = check_output("read-environ-aliases", "table");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("environ_aliases_table", table);
    let (report, _) = check_output("read-environ-aliases", "json");
    insta::assert_snapshot!("environ_aliases_json", report);
}

#[test]
fn pydantic_nested_models_read_field_by_field() {
    let (r, code) = check_json("read-pydantic-nested", &[]);
    assert_eq!(code, 1, "APP_DB__NAME is required and never set");
    let s = "api/config.py";
    let via = "pydantic-settings";
    assert_read(&r, "APP_DB__HOST", s, 7, via, true, None);
    assert_read(&r, "APP_DB__PORT", s, 8, via, false, Some(json!(5432)));
    assert_read(&r, "APP_DB__NAME", s, 9, via, true, None);
    assert_read(&r, "APP_DB__PASSWORD", s, 10, via, true, None);
    assert_eq!(
        key_entry(&r, "APP_DB__HOST")["read"][0]["chain"],
        json!(["APP_DB__HOST", "APP_DB"])
    );
    // The model's own key (JSON) is an alias in each field's chain.
    assert_read(&r, "APP_DB", s, 22, via, false, None);
    assert_eq!(
        key_entry(&r, "APP_DB")["read"][0]["fallback_of"],
        "APP_DB__HOST"
    );
    // APP_REDIS, written whole, satisfies its fields and is not unread.
    assert_eq!(key_entry(&r, "APP_REDIS__URL")["reach"], "set");
    assert_eq!(
        crate::common::findings(&r),
        [
            ("unset-required", "APP_DB__NAME"),
            ("unset-defaulted", "APP_DB__PORT"),
            ("unset-defaulted", "APP_DEBUG"),
        ]
        .map(|(rule, key)| (rule.to_string(), Some(key.to_string())))
    );
}

#[test]
fn pydantic_nested_table_and_json_snapshots() {
    let (table, code) = check_output("read-pydantic-nested", "table");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("pydantic_nested_table", table);
    let (report, _) = check_output("read-pydantic-nested", "json");
    insta::assert_snapshot!("pydantic_nested_json", report);
}

#[test]
fn dynaconf_reads_through_an_instance_of_another_module() {
    let (r, code) = check_json("read-dynaconf", &[]);
    assert_eq!(code, 1, "SHOP_SECRET_KEY is validated and never set");
    let s = "shop/app.py";
    // Required only where a validator demands the key.
    assert_read(&r, "SHOP_DATABASE_URL", s, 7, "dynaconf", true, None);
    assert_read(&r, "SHOP_SECRET_KEY", s, 8, "dynaconf", true, None);
    assert_read(
        &r,
        "SHOP_PAGE_SIZE",
        s,
        9,
        "dynaconf",
        false,
        Some(json!(20)),
    );
    assert_read(&r, "SHOP_DEBUG", s, 10, "dynaconf", false, None);
    assert_read(&r, "SHOP_REDIS_URL", s, 11, "dynaconf", false, None);
    // `load_dotenv=True` loads the .env the deploy writes: nothing unknown.
    assert_eq!(r["opaque_stages"], json!([]));
    assert_eq!(
        crate::common::findings(&r),
        [
            ("unset-required", "SHOP_SECRET_KEY"),
            ("unset-defaulted", "SHOP_DEBUG"),
            ("near-miss", "SHOP_SECRET_KEY"),
            ("written-unread", "SECRET_KEY"),
            ("unset-defaulted", "SHOP_PAGE_SIZE"),
        ]
        .map(|(rule, key)| (rule.to_string(), Some(key.to_string())))
    );
}

#[test]
fn dynaconf_table_and_json_snapshots() {
    let (table, code) = check_output("read-dynaconf", "table");
    assert_eq!(code, Some(1));
    insta::assert_snapshot!("dynaconf_table", table);
    let (report, _) = check_output("read-dynaconf", "json");
    insta::assert_snapshot!("dynaconf_json", report);
}
