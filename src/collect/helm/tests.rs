use super::*;

fn chart(files: &[(&str, &str)]) -> Facts {
    with_files(files, &[])
}

/// The collector on `wanted` (the files the walk hands it), with `other`
/// files beside them in the repository (a helmfile's values files).
fn with_files(wanted: &[(&str, &str)], other: &[(&str, &str)]) -> Facts {
    let dir = tempfile::tempdir().unwrap();
    let inputs = crate::collect::write_inputs(dir.path(), wanted);
    crate::collect::write_inputs(dir.path(), other);
    let ctx = Context {
        root: dir.path().to_path_buf(),
        ..Context::default()
    };
    HelmCollector.collect(&inputs, &ctx)
}

fn keys(app: &PlatformApp) -> Vec<(String, String)> {
    app.env
        .iter()
        .map(|e| (e.key.clone(), e.location.to_string()))
        .collect()
}

const CHART: &str = "apiVersion: v2\nname: shop\nversion: 1.0.0\n";

#[test]
fn literal_names_and_named_templates_in_env_blocks() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n        env:\n          - name: DJANGO_SETTINGS_MODULE\n            value: shop.settings\n          {{- include \"shop.env\" . | nindent 10 }}\n        ports:\n        - containerPort: 8000\n";
    let helpers = "{{- define \"shop.env\" }}\n- name: SECRET_KEY\n  valueFrom:\n    secretKeyRef:\n      name: {{ .Values.secretName }}\n      key: secret-key\n{{- end }}\n";
    let facts = chart(&[
        ("helm/shop/Chart.yaml", CHART),
        (
            "helm/shop/values.yaml",
            "image:\n  repository: ghcr.io/acme/shop\n  tag: latest\n",
        ),
        ("helm/shop/templates/deployment-web.yaml", deployment),
        ("helm/shop/templates/_helpers.tpl", helpers),
    ]);
    assert_eq!(facts.platform_apps.len(), 1, "{facts:?}");
    let app = &facts.platform_apps[0];
    assert_eq!(app.name, "deployment-web");
    assert_eq!(
        app.location.to_string(),
        "helm/shop/templates/deployment-web.yaml:2"
    );
    assert_eq!(app.image.as_deref(), Some("ghcr.io/acme/shop:latest"));
    assert_eq!(
        keys(app),
        [
            (
                "DJANGO_SETTINGS_MODULE".to_string(),
                "helm/shop/templates/deployment-web.yaml:12".to_string()
            ),
            (
                "SECRET_KEY".to_string(),
                "helm/shop/templates/_helpers.tpl:2".to_string()
            ),
        ]
    );
    // Literal names only: install values cannot add a key.
    assert!(app.unseen.is_empty(), "{:?}", app.unseen);
    assert!(facts.opaque_stages.is_empty());
}

#[test]
fn literal_command_and_args_are_entry_points() {
    let template = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        command: [\"gunicorn\"]\n        args: [\"shop.wsgi\", \"--bind\", \"0.0.0.0:8000\"]\n      - name: worker\n        args: [\"celery\", \"-A\", \"shop\", \"worker\"]\n      - name: templated\n        args: [\"{{ .Values.cmd }}\"]\n";
    let facts = chart(&[("Chart.yaml", CHART), ("templates/web.yaml", template)]);
    let starts: Vec<(&str, u32)> = facts
        .entry_points
        .iter()
        .map(|e| (e.command.as_str(), e.location.line()))
        .collect();
    assert_eq!(starts, [("gunicorn shop.wsgi", 7), ("celery -A shop", 10)]);
}

#[test]
fn range_over_values_maps_and_lists() {
    let deployment = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n          {{- range $key, $value := .Values.env }}\n          - name: {{ $key }}\n            value: {{ $value | quote }}\n          {{- end }}\n          {{- range $env := .Values.app.env }}\n          - name: {{ $env.name }}\n            value: {{ $env.value | quote }}\n          {{- end }}\n";
    let values = "env:\n  SMARTER_MYSQL_HOST: mysql\n  SMARTER_DEBUG: \"false\"\napp:\n  env:\n    - name: OPENAI_API_KEY\n      value: \"\"\n";
    let facts = chart(&[
        ("Chart.yaml", CHART),
        ("values.yaml", values),
        ("templates/deployment-app.yaml", deployment),
    ]);
    let app = &facts.platform_apps[0];
    assert_eq!(
        keys(app),
        [
            (
                "SMARTER_MYSQL_HOST".to_string(),
                "values.yaml:2".to_string()
            ),
            ("SMARTER_DEBUG".to_string(), "values.yaml:3".to_string()),
            ("OPENAI_API_KEY".to_string(), "values.yaml:6".to_string()),
        ]
    );
}

#[test]
fn a_helper_given_a_values_scope_renders_the_env_under_it() {
    let deployment = "{{- $envVars := include \"meet.common.env\" (list . .Values.backend) -}}\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: backend\n          env:\n            {{- if $envVars }}\n            {{- $envVars | indent 12 }}\n            {{- end }}\n";
    let helpers = "{{- define \"meet.common.env\" -}}\n{{- $workerScope := index . 1 -}}\n{{- include \"meet.env.transformDict\" $workerScope.envVars -}}\n{{- end }}\n";
    let values = "backend:\n  replicas: 1\n  envVars:\n    DJANGO_SECRET_KEY:\n      secretKeyRef:\n        name: backend\n        key: key\n    DJANGO_ALLOWED_HOSTS: \"*\"\n";
    let facts = chart(&[
        ("Chart.yaml", CHART),
        ("values.yaml", values),
        ("templates/backend_deployment.yaml", deployment),
        ("templates/_helpers.tpl", helpers),
    ]);
    let app = &facts.platform_apps[0];
    assert_eq!(
        keys(app),
        [
            ("DJANGO_SECRET_KEY".to_string(), "values.yaml:4".to_string()),
            (
                "DJANGO_ALLOWED_HOSTS".to_string(),
                "values.yaml:8".to_string()
            ),
        ]
    );
    assert_eq!(app.unseen.len(), 1, "{:?}", app.unseen);
}

#[test]
fn a_chart_without_workloads_stays_opaque() {
    let facts = chart(&[
        ("Chart.yaml", CHART),
        (
            "templates/service.yaml",
            "kind: Service\nmetadata:\n  name: web\n",
        ),
    ]);
    assert!(facts.platform_apps.is_empty());
    assert_eq!(facts.opaque_stages.len(), 1);
}

#[test]
fn an_include_envtrail_cannot_resolve_is_named() {
    let deployment = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        env:\n          {{- include \"common.env\" . | nindent 10 }}\n";
    let facts = chart(&[("Chart.yaml", CHART), ("templates/web.yaml", deployment)]);
    let unseen: Vec<&str> = facts.platform_apps[0]
        .unseen
        .iter()
        .map(|u| u.what.as_str())
        .collect();
    assert_eq!(unseen, ["the template `common.env`"]);
}

const SCOPED_DEPLOYMENT: &str = "{{- $envVars := include \"app.env\" (list . .Values.backend) -}}\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: backend\n          image: {{ .Values.image }}\n          env:\n            {{- $envVars | indent 12 }}\n";
const SCOPED_HELPER: &str = "{{- define \"app.env\" -}}\n{{- include \"app.transform\" (index . 1).envVars -}}\n{{- end }}\n";

#[test]
fn a_helmfile_release_of_a_repository_chart_adds_its_values_files_keys() {
    let helmfile = "environments:\n  staging:\n    values:\n      - env.d/staging/helmfile-values.yaml\n  production: {}\n---\nreleases:\n- name: shop\n  installed: {{ regexMatch \"^s.*\" .Environment.Name }}\n  chart: ./shop\n  values:\n  - env.d/common.yaml.gotmpl\n  - env.d/{{ .Environment.Name }}/values.shop.yaml\n  - env.d/{{ .Values.region }}/region.yaml\n  - image: shop:2\n  secrets:\n  - env.d/{{ .Environment.Name }}/secrets.enc.yaml\n- name: redis\n  chart: bitnami/redis\n  values:\n  - env.d/redis.yaml\n";
    let common = "backend:\n  envVars:\n    DJANGO_SECRET_KEY: {{ .Values.djangoSecretKey }}\n    {{- with .Values.keys }}\n    {{- range $key, $value := . }}\n    API_KEY: {{ $value }}\n    {{ $key }}: x\n    {{- end }}\n    {{- end }}\n";
    let facts = with_files(
        &[
            ("deploy/shop/Chart.yaml", CHART),
            (
                "deploy/shop/values.yaml",
                "backend:\n  envVars:\n    DEBUG: \"0\"\n",
            ),
            ("deploy/shop/templates/backend.yaml", SCOPED_DEPLOYMENT),
            ("deploy/shop/templates/_helpers.tpl", SCOPED_HELPER),
            ("deploy/helmfile.yaml.gotmpl", helmfile),
        ],
        &[
            ("deploy/env.d/common.yaml.gotmpl", common),
            (
                "deploy/env.d/staging/values.shop.yaml",
                "backend:\n  envVars:\n    SENTRY_DSN: https://x\n",
            ),
            (
                "deploy/env.d/production/values.shop.yaml",
                "backend:\n  envVars:\n    - name: ALLOWED_HOSTS\n      value: shop.example\n",
            ),
            (
                "deploy/env.d/redis.yaml",
                "backend:\n  envVars:\n    REDIS_ONLY: x\n",
            ),
        ],
    );
    assert!(facts.unparsed.is_empty(), "{:?}", facts.unparsed);
    let app = &facts.platform_apps[0];
    // The chart's values, then helmfile's in its order, environments sorted;
    // a release of a chart from a repository lends this chart nothing.
    assert_eq!(
        keys(app),
        [
            ("DEBUG".to_string(), "deploy/shop/values.yaml:3".to_string()),
            (
                "DJANGO_SECRET_KEY".to_string(),
                "deploy/env.d/common.yaml.gotmpl:3".to_string()
            ),
            (
                "API_KEY".to_string(),
                "deploy/env.d/common.yaml.gotmpl:6".to_string()
            ),
            (
                "ALLOWED_HOSTS".to_string(),
                "deploy/env.d/production/values.shop.yaml:3".to_string()
            ),
            (
                "SENTRY_DSN".to_string(),
                "deploy/env.d/staging/values.shop.yaml:3".to_string()
            ),
        ]
    );
    // The inline layer comes last: its image wins.
    assert_eq!(app.image.as_deref(), Some("shop:2"));
    // Install values, the sops secrets and a values path envtrail cannot
    // resolve may still add keys: each is named where the helmfile says it.
    let unseen: Vec<(String, String)> = app
        .unseen
        .iter()
        .map(|u| (u.what.clone(), u.location.to_string()))
        .collect();
    let at = |line: u32| format!("deploy/helmfile.yaml.gotmpl:{line}");
    assert_eq!(
        unseen,
        [
            (
                "values given at install (`helm upgrade -f` / `--set`)".to_string(),
                "deploy/shop/templates/backend.yaml:2".to_string()
            ),
            (
                "the helmfile's values `env.d/{{…}}/region.yaml` (not in the repository)".into(),
                at(14)
            ),
            (
                "the helmfile's secrets `env.d/production/secrets.enc.yaml` (not in the repository)".into(),
                at(17)
            ),
            (
                "the helmfile's secrets `env.d/staging/secrets.enc.yaml` (not in the repository)".into(),
                at(17)
            ),
        ]
    );
}

#[test]
fn a_helmfile_values_file_that_is_not_yaml_is_unparsed_with_its_line() {
    let helmfile =
        "releases:\n- name: shop\n  chart: ./shop\n  values:\n  - common.yaml\n  - missing.yaml\n";
    let facts = with_files(
        &[
            ("shop/Chart.yaml", CHART),
            ("shop/templates/backend.yaml", SCOPED_DEPLOYMENT),
            ("shop/templates/_helpers.tpl", SCOPED_HELPER),
            ("helmfile.yaml", helmfile),
        ],
        &[("common.yaml", "backend:\n  envVars:\n\tK: v\n")],
    );
    let unparsed: Vec<String> = facts
        .unparsed
        .iter()
        .map(|u| u.location.to_string())
        .collect();
    assert_eq!(unparsed, ["common.yaml:3"]);
    assert!(keys(&facts.platform_apps[0]).is_empty());
}

proptest::proptest! {
    /// Whatever a chart's templates hold, reading it never panics.
    #[test]
    fn any_template_text_is_read_without_panicking(
        template in "(kind: Deployment\n|env:\n|  - name: [A-Z]{1,4}\n|\\{\\{[-a-z .$:=\"]{0,20}\\}\\}\n|---\n| {0,6}[a-z]{1,5}:\n){0,12}",
        values in "(env:\n|  [A-Z]{1,4}: x\n|[a-z]{1,4}:\n|  - name: [A-Z]{1,3}\n){0,8}",
    ) {
        let _ = chart(&[
            ("Chart.yaml", CHART),
            ("values.yaml", &values),
            ("templates/a.yaml", &template),
            ("templates/_helpers.tpl", &template),
        ]);
    }
}
