use super::*;

/// The collector over `files`.
fn collect(files: &[(&str, &str)]) -> Facts {
    let dir = tempfile::tempdir().unwrap();
    let inputs = crate::collect::write_inputs(dir.path(), files);
    let ctx = Context {
        root: dir.path().to_path_buf(),
        threads: 1,
        ..Context::default()
    };
    BicepCollector.collect(&inputs, &ctx)
}

/// `KEY@file:line:source` of each env entry, and `what@line` of each unseen part.
fn env_of(app: &PlatformApp) -> (Vec<String>, Vec<String>) {
    let env = app
        .env
        .iter()
        .map(|e| {
            format!(
                "{}@{}:{}:{}",
                e.key,
                e.location.file,
                e.location.line(),
                e.source.label()
            )
        })
        .collect();
    let unseen = app
        .unseen
        .iter()
        .map(|u| format!("{}@{}", u.what, u.location.line()))
        .collect();
    (env, unseen)
}

const SITE: &str = r#"param name string
param appSettings object = {}
param insightsName string = ''

resource site 'Microsoft.Web/sites@2022-03-01' = {
  name: name
  properties: {
    siteConfig: {
      appSettings: [
        { name: 'WEBSITES_PORT', value: '8000' }
        { name: 'SECRET_KEY', value: keyVault.getSecret('secret') }
      ]
    }
  }
  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, { SCM_DO_BUILD_DURING_DEPLOYMENT: 'true' },
      !empty(insightsName) ? { APPLICATIONINSIGHTS_CONNECTION_STRING: insights.properties.ConnectionString } : {})
  }
}
"#;

const MAIN: &str = r#"param model string
var shared = { LOG_LEVEL: 'info' }

module web 'core/site.bicep' = {
  name: 'web'
  params: {
    name: 'app-web'
    appSettings: union(shared, {
      OPENAI_MODEL: model
      SEARCH_INDEX: 'docs'
    })
  }
}

module worker 'core/site.bicep' = {
  name: 'worker'
  params: {
    name: 'app-worker'
    appSettings: extraSettings
  }
}
"#;

#[test]
fn each_module_call_is_an_app_with_the_settings_it_passes() {
    let facts = collect(&[("infra/core/site.bicep", SITE), ("infra/main.bicep", MAIN)]);
    assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
    assert!(facts.opaque_stages.is_empty(), "{:?}", facts.opaque_stages);
    let apps: Vec<(&str, String)> = facts
        .platform_apps
        .iter()
        .map(|a| (a.name.as_str(), a.location.to_string()))
        .collect();
    assert_eq!(
        apps,
        [
            ("web", "infra/main.bicep:4".to_string()),
            ("worker", "infra/main.bicep:15".to_string())
        ]
    );
    let site = "infra/core/site.bicep";
    let (env, unseen) = env_of(&facts.platform_apps[0]);
    assert_eq!(
        env,
        [
            format!("WEBSITES_PORT@{site}:10:literal"),
            format!("SECRET_KEY@{site}:11:unknown"),
            format!("SCM_DO_BUILD_DURING_DEPLOYMENT@{site}:17:literal"),
            format!("APPLICATIONINSIGHTS_CONNECTION_STRING@{site}:18:unknown"),
            "LOG_LEVEL@infra/main.bicep:2:literal".to_string(),
            "OPENAI_MODEL@infra/main.bicep:9:unknown".to_string(),
            "SEARCH_INDEX@infra/main.bicep:10:literal".to_string(),
        ]
    );
    assert!(unseen.is_empty(), "{unseen:?}");
    let (env, unseen) = env_of(&facts.platform_apps[1]);
    assert_eq!(env.len(), 4, "{env:?}");
    assert_eq!(
        unseen,
        ["the app settings in `extraSettings`@19"],
        "an undeclared name is computed"
    );
    assert_eq!(facts.platform_apps[0].platform, Some(Platform::AppService));
    assert_eq!(facts.platform_apps[0].via, WriteVia::Bicep);
}

#[test]
fn a_site_no_module_call_feeds_keeps_its_parameter_unseen() {
    let facts = collect(&[("infra/core/site.bicep", SITE)]);
    let [app] = facts.platform_apps.as_slice() else {
        panic!("{:?}", facts.platform_apps);
    };
    assert_eq!(app.name, "site");
    let (env, unseen) = env_of(app);
    assert_eq!(env.len(), 4, "{env:?}");
    assert_eq!(
        unseen,
        ["the parameter appSettings of infra/core/site.bicep, given where it is deployed@17"]
    );
}

#[test]
fn what_stays_opaque_and_what_is_no_stage() {
    let container_app =
        "resource app 'Microsoft.App/containerApps@2023-05-01' = {\n  name: 'api'\n}\n";
    let registry = "module site 'br/public:avm/res/web/site:0.3.0' = {\n  name: 'site'\n  params: {\n    appSettingsKeyValuePairs: { A: 'b' }\n  }\n}\n";
    let database =
        "resource db 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {\n  name: 'db'\n}\n";
    let broken = "resource site 'Microsoft.Web/sites@2022-03-01' = {\n  name: \n";
    let facts = collect(&[
        ("a/app.bicep", container_app),
        ("b/main.bicep", registry),
        ("c/db.bicep", database),
        ("d/broken.bicep", broken),
    ]);
    let opaque: Vec<String> = facts
        .opaque_stages
        .iter()
        .map(|s| s.location.to_string())
        .collect();
    assert_eq!(
        opaque,
        ["d/broken.bicep:1", "a/app.bicep:1", "b/main.bicep:1"]
    );
    assert_eq!(facts.unparsed.len(), 1);
    assert!(facts.platform_apps.is_empty());
}

#[test]
fn hostile_input_is_read_without_panicking() {
    let deep = format!("var x = {}{}\n", "{ a: ".repeat(500), "}".repeat(500));
    let unions = format!(
        "resource s 'Microsoft.Web/sites@2022-03-01' = {{\n  name: 'a'\n  properties: {{ siteConfig: {{ appSettings: {}{{}}{} }} }}\n}}\n",
        "union(".repeat(3000),
        ")".repeat(3000)
    );
    let broken = "{ [ (".repeat(3000);
    for text in [
        deep.as_str(),
        unions.as_str(),
        broken.as_str(),
        "",
        "resource",
        "module m '../../../../etc/x.bicep' = {}\n",
    ] {
        let _ = collect(&[("main.bicep", text)]);
    }
}
