//! The chain model: one row per key, joining what every stage says of it.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::{
    Consumer, DotenvLoad, EnvRead, EnvWrite, Facts, OpaqueEnvFile, OpaqueKind, OpaqueStage,
    SecretScope, Stage, Unparsed,
};
use crate::location::Location;
use crate::platform;

pub mod app;
pub mod reach;
pub mod verdict;

pub use verdict::{KeyVerdict, Verdict, Visibility};

/// The secret stores' names, from `--secrets [STORE=]FILE`, one store a flag.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    /// Every store's names, joined: a secret of that name exists somewhere.
    pub names: BTreeSet<String>,
    /// The inventory files, as given on the command line, joined by ", ".
    pub file: String,
    /// Each store, in command-line order.
    pub stores: Vec<Store>,
}

/// One `--secrets` inventory: which store, read from which file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub kind: StoreKind,
    /// As given on the command line (`stdin` for `-`).
    pub file: String,
    pub names: BTreeSet<String>,
}

/// Where a secret is stored, and so which jobs see it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum StoreKind {
    /// The repository's secrets (`gh secret list`): every job's.
    Repository,
    /// The owner's (an organisation's, or a Gitea user's): every job's.
    Organization,
    /// An environment's (`gh secret list --env NAME`): only the jobs whose
    /// `environment:` names it.
    Environment(String),
}

impl StoreKind {
    /// The store's name in the JSON report: `repository`, `organization`,
    /// `environment:NAME`.
    pub fn label(&self) -> String {
        match self {
            StoreKind::Repository => "repository".into(),
            StoreKind::Organization => "organization".into(),
            StoreKind::Environment(name) => format!("environment:{name}"),
        }
    }

    /// The store in a table cell: `repo`, `org`, `env:NAME`.
    pub fn short(&self) -> String {
        match self {
            StoreKind::Repository => "repo".into(),
            StoreKind::Organization => "org".into(),
            StoreKind::Environment(name) => format!("env:{name}"),
        }
    }

    /// Every job sees this store's secrets.
    fn is_shared(&self) -> bool {
        matches!(self, StoreKind::Repository | StoreKind::Organization)
    }
}

/// Whether a `secrets.NAME` use finds NAME in the stores its job sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution<'a> {
    Held,
    Missing,
    /// The job's environment holds the secrets the use could need, and its
    /// store was not given: unknown, not missing.
    Unseen(&'a str),
}

impl Inventory {
    /// Stores joined: `names` and `file` cover them all.
    pub fn from_stores(stores: Vec<Store>) -> Inventory {
        let names = stores
            .iter()
            .flat_map(|s| s.names.iter().cloned())
            .collect();
        let file = stores
            .iter()
            .map(|s| s.file.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        Inventory {
            names,
            file,
            stores,
        }
    }

    /// One repository store (what a plain `--secrets FILE` gives).
    pub fn repository(names: BTreeSet<String>, file: &str) -> Inventory {
        Inventory::from_stores(vec![Store {
            kind: StoreKind::Repository,
            file: file.to_string(),
            names,
        }])
    }

    /// The stores that hold `name`, in command-line order.
    pub fn stores_holding<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Store> + 'a {
        self.stores.iter().filter(move |s| s.names.contains(name))
    }

    /// The files of the stores that hold `name` (all files when none does).
    pub fn files_holding(&self, name: &str) -> String {
        let files: Vec<&str> = self.stores_holding(name).map(|s| s.file.as_str()).collect();
        if files.is_empty() {
            return self.file.clone();
        }
        files.join(", ")
    }

    /// Whether a use of `secrets.NAME` in `scope` finds NAME: in the
    /// repository's or the organisation's store, or in its environment's.
    pub fn resolve<'a>(&self, name: &str, scope: &'a SecretScope) -> Resolution<'a> {
        let held = |s: &&Store| s.names.contains(name);
        if self
            .stores
            .iter()
            .filter(|s| s.kind.is_shared())
            .any(|s| held(&s))
        {
            return Resolution::Held;
        }
        match scope {
            SecretScope::NoEnvironment => Resolution::Missing,
            // A use outside any job, or in one whose environment is an
            // expression, may run in any environment.
            SecretScope::Unknown if self.stores.iter().any(|s| held(&s)) => Resolution::Held,
            SecretScope::Unknown => Resolution::Missing,
            SecretScope::Environment(env) => {
                let own: Vec<&Store> = self
                    .stores
                    .iter()
                    .filter(|s| matches!(&s.kind, StoreKind::Environment(e) if e == env))
                    .collect();
                if own.is_empty() {
                    Resolution::Unseen(env)
                } else if own.iter().any(held) {
                    Resolution::Held
                } else {
                    Resolution::Missing
                }
            }
        }
    }
}

/// What the live container says of one key. Never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveKey {
    pub present: bool,
    pub empty: bool,
}

/// One key through every stage.
#[derive(Debug, Clone, Default)]
pub struct KeyRow {
    pub key: String,
    pub written: Vec<EnvWrite>,
    pub read: Vec<EnvRead>,
    /// Filled by `live` only.
    pub live: Option<LiveKey>,
    /// Whether the key reaches the app: `None` when the app does not read it.
    pub verdict: Option<KeyVerdict>,
    /// Where a key the app requires is certainly missing while it reaches
    /// the app elsewhere (judged with the verdicts, once).
    pub missing: RequiredMissing,
}

/// The deploy targets (indices into `deploy.targets`) and the app services
/// of a target (`(target, service)` indices) that lack a key the app
/// requires while it reaches the app in another: `unset-required` there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequiredMissing {
    pub targets: Vec<usize>,
    pub services: Vec<(usize, usize)>,
}

impl KeyRow {
    /// Reads by the app itself (Python code or its shell entrypoints), as
    /// opposed to deploy tooling, libraries, tests and CI helpers; then the
    /// reads of one-off scripts, judged too but after the app's (a verdict
    /// is on the app's read when it has one).
    pub fn app_reads(&self) -> impl Iterator<Item = &EnvRead> {
        let app = self
            .read
            .iter()
            .filter(|r| matches!(r.consumer, Consumer::App | Consumer::Entrypoint));
        app.chain(self.read.iter().filter(|r| r.consumer == Consumer::Script))
    }

    /// The read findings are reported on: the first read that heads its own
    /// chain (a read nested as another's fallback is reported with its head).
    pub fn head_read(&self) -> Option<&EnvRead> {
        let heads = || self.app_reads().filter(|r| r.fallback_of.is_none());
        // A required read is the strongest claim; report on it when there is one.
        heads().find(|r| r.required).or_else(|| heads().next())
    }

    /// The writes of this key at one stage of the chain (a table column).
    pub fn writes_at(&self, stage: Stage) -> impl Iterator<Item = &EnvWrite> {
        self.written.iter().filter(move |w| w.via.stage() == stage)
    }

    /// The chain's verdict on this key, without the read it judges.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref().map(|kv| &kv.verdict)
    }

    pub fn is_required(&self) -> bool {
        self.app_reads()
            .any(|r| r.required && r.fallback_of.is_none())
    }
}

/// A secret name, where it is used and whether the store has it.
#[derive(Debug, Clone, Default)]
pub struct SecretRow {
    pub name: String,
    /// `None` when no inventory was given: existence is unknown, not assumed.
    pub in_inventory: Option<bool>,
    pub referenced: Vec<Location>,
    /// Each use with the environment its job sees (file order).
    pub uses: Vec<SecretUse>,
    /// The stores that hold the name, in command-line order (empty without
    /// an inventory).
    pub stores: Vec<StoreKind>,
}

/// A use of `secrets.NAME`: where, and which environment's secrets it sees.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SecretUse {
    pub location: Location,
    pub scope: SecretScope,
}

#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub rows: BTreeMap<String, KeyRow>,
    /// Reads whose key is built at run time.
    pub unknown_reads: Vec<EnvRead>,
    pub opaque: Vec<OpaqueEnvFile>,
    pub secrets: BTreeMap<String, SecretRow>,
    pub inventory: Option<Inventory>,
    pub unparsed: Vec<Unparsed>,
    /// The deploy side: targets, what reaches the app in each, where chains break.
    pub deploy: reach::Deploy,
    /// What the run skipped and why (files over the size cap...): said, not judged.
    pub notes: Vec<Unparsed>,
    /// The audited container, in `live` only: what the live rules judge.
    pub container: Option<crate::live::ContainerFacts>,
    /// The stages envtrail cannot see into, and the app's own dotenv files it can.
    pub visibility: Visibility,
    /// The app's settings modules, repository-relative, sorted, once each:
    /// what `live` compares with the container's copies.
    pub settings_modules: Vec<String>,
    /// How the app starts and the files it runs.
    pub app: app::AppCode,
}

impl Chain {
    pub fn build(facts: Facts, inventory: Option<Inventory>) -> Chain {
        Chain::build_with(facts, inventory, &crate::config::Config::default())
    }

    /// Join the facts, with the deploy stages (compose, images, Kubernetes)
    /// judged under `config` (app service, aliases, one-shot services).
    pub fn build_with(
        mut facts: Facts,
        inventory: Option<Inventory>,
        config: &crate::config::Config,
    ) -> Chain {
        crate::collect::compose_merge::apply_includes(&mut facts);
        crate::collect::compose_merge::adopt_image_builds(&mut facts);
        crate::collect::compose_merge::merge_deployed(&mut facts);
        let env_vars = cloud_run_env_file_writes(&facts);
        facts.writes.extend(env_vars);
        let decrypted = sops_decrypt_writes(&facts);
        facts.writes.extend(decrypted);
        // Whose reads are the app's is settled before anything is judged.
        let app = app::app_code(&facts, config);
        app::classify(&mut facts, &app);
        let mut derived = reach::derive(&facts, config);
        facts.writes.extend(derived.writes);
        facts.reads.extend(derived.reads);
        let visibility = visibility(&facts, &derived.deploy, config);
        derived.deploy.services = std::mem::take(&mut facts.services);
        derived.deploy.images = std::mem::take(&mut facts.images);
        let mut settings_modules = facts.settings_modules;
        settings_modules.sort();
        settings_modules.dedup();
        let mut chain = Chain {
            app,
            settings_modules,
            visibility,
            inventory,
            opaque: facts.opaque,
            unparsed: facts.unparsed,
            deploy: derived.deploy,
            notes: facts.notes,
            ..Chain::default()
        };
        chain.reserve_rows(&facts.writes, &facts.reads);
        for write in facts.writes {
            chain.row_mut(&write.key).written.push(write);
        }
        for read in facts.reads {
            match read.key.clone() {
                Some(key) => chain.row_mut(&key).read.push(read),
                None => chain.unknown_reads.push(read),
            }
        }
        chain.join_secrets(facts.secret_refs);
        chain.settle();
        chain.judge();
        chain
    }

    /// Every key's row, its lists allocated at their final length before
    /// they are filled: pushed one at a time, they grew by doubling, and a
    /// big repository's facts took up to twice their room at the peak.
    fn reserve_rows(&mut self, writes: &[EnvWrite], reads: &[EnvRead]) {
        let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for write in writes {
            counts.entry(&write.key).or_default().0 += 1;
        }
        let mut unknown = 0;
        for read in reads {
            match &read.key {
                Some(key) => counts.entry(key).or_default().1 += 1,
                None => unknown += 1,
            }
        }
        for (key, (written, read)) in counts {
            let row = self.row_mut(key);
            row.written.reserve_exact(written);
            row.read.reserve_exact(read);
        }
        self.unknown_reads.reserve_exact(unknown);
    }

    /// The secrets workflows use, and the inventory's, one row per name.
    fn join_secrets(&mut self, refs: Vec<crate::facts::SecretRef>) {
        for secret in refs {
            let row = secret_row(&mut self.secrets, &secret.name);
            row.uses.push(SecretUse {
                location: secret.location.clone(),
                scope: secret.scope,
            });
            row.referenced.push(secret.location);
        }
        if let Some(inventory) = &self.inventory {
            for name in &inventory.names {
                secret_row(&mut self.secrets, name);
            }
            for row in self.secrets.values_mut() {
                row.in_inventory = Some(inventory.names.contains(&row.name));
                row.stores = inventory
                    .stores_holding(&row.name)
                    .map(|s| s.kind.clone())
                    .collect();
                row.stores.dedup();
            }
        }
    }

    /// Everything in file order, whatever order the collectors gave it in.
    fn settle(&mut self) {
        for row in self.rows.values_mut() {
            row.written.sort_by(|a, b| a.location.cmp(&b.location));
            row.read.sort_by(|a, b| a.location.cmp(&b.location));
        }
        for row in self.secrets.values_mut() {
            row.referenced.sort();
            row.referenced.dedup();
            row.uses.sort();
            row.uses.dedup();
        }
        self.unknown_reads
            .sort_by(|a, b| a.location.cmp(&b.location));
        self.opaque.sort_by(|a, b| a.location.cmp(&b.location));
        self.unparsed.sort_by(|a, b| a.location.cmp(&b.location));
        self.notes.sort_by(|a, b| a.location.cmp(&b.location));
    }

    /// Judgement is made once, here, over every target and in each of them:
    /// everything downstream reads it.
    fn judge(&mut self) {
        let verdicts: Vec<Option<KeyVerdict>> = self
            .rows
            .values()
            .map(|r| verdict::judge(self, r))
            .collect();
        let per_target: Vec<BTreeMap<String, KeyVerdict>> = self
            .deploy
            .targets
            .iter()
            .map(|t| {
                self.rows
                    .values()
                    .filter_map(|r| {
                        let kv = verdict::judge_in(self, r, verdict::Scope::Target(t))?;
                        Some((r.key.clone(), kv))
                    })
                    .collect()
            })
            .collect();
        for (row, v) in self.rows.values_mut().zip(verdicts) {
            row.verdict = v;
        }
        for (t, verdicts) in self.deploy.targets.iter_mut().zip(per_target) {
            t.verdicts = verdicts;
        }
        // Read the verdicts just judged, per target and per service.
        let missing: Vec<RequiredMissing> = self
            .rows
            .values()
            .map(|r| RequiredMissing {
                targets: verdict::required_missing_in(self, r),
                services: verdict::required_missing_in_services(self, r),
            })
            .collect();
        for (row, m) in self.rows.values_mut().zip(missing) {
            row.missing = m;
        }
    }

    /// The deploy targets where `row`'s required key is certainly missing
    /// while it reaches the app in another (see [`RequiredMissing`]).
    pub fn required_missing_in(&self, row: &KeyRow) -> Vec<&reach::Target> {
        row.missing
            .targets
            .iter()
            .filter_map(|&i| self.deploy.targets.get(i))
            .collect()
    }

    /// The app services, each with its target, that lack `row`'s required
    /// key while another service of the target gets it.
    pub fn required_missing_in_services(
        &self,
        row: &KeyRow,
    ) -> Vec<(&reach::Target, &reach::ServiceReach)> {
        row.missing
            .services
            .iter()
            .filter_map(|&(t, s)| {
                let target = self.deploy.targets.get(t)?;
                Some((target, target.services.get(s)?))
            })
            .collect()
    }

    fn row_mut(&mut self, key: &str) -> &mut KeyRow {
        self.rows.entry(key.to_owned()).or_insert_with(|| KeyRow {
            key: key.to_owned(),
            ..KeyRow::default()
        })
    }

    /// Some key is written at `stage`: whether renderers show its column.
    pub fn has_stage(&self, stage: Stage) -> bool {
        self.rows
            .values()
            .any(|r| r.writes_at(stage).next().is_some())
    }

    pub fn row(&self, key: &str) -> Option<&KeyRow> {
        self.rows.get(key)
    }

    /// The verdict on `key` says its value reaches the app (false when the
    /// app does not read it).
    pub fn reaches(&self, key: &str) -> bool {
        self.rows
            .get(key)
            .and_then(KeyRow::verdict)
            .is_some_and(Verdict::reaches)
    }

    /// The secret store holds `name` (false without an inventory).
    pub fn in_inventory(&self, name: &str) -> bool {
        self.inventory
            .as_ref()
            .is_some_and(|i| i.names.contains(name))
    }

    /// The platform sets `key` for the app: everywhere (the OS, the runtime),
    /// or on a platform the repository deploys to (`PORT` on Cloud Run).
    pub fn is_platform_key(&self, key: &str) -> bool {
        self.visibility.platforms.sets(key)
    }

    /// The write is a test environment's (a CI job's env for its own
    /// tests): it meets that job's reads and never the deploy's.
    pub fn is_test_write(&self, write: &EnvWrite) -> bool {
        write
            .target
            .as_ref()
            .is_some_and(|t| self.deploy.test_environments.contains(t))
    }

    /// `row`'s writes that are the deploy's (no test environment's).
    pub fn deploy_writes<'a>(&'a self, row: &'a KeyRow) -> impl Iterator<Item = &'a EnvWrite> {
        row.written.iter().filter(|w| !self.is_test_write(w))
    }

    /// Rows whose key some stage writes and no code reads.
    pub fn is_read(&self, key: &str) -> bool {
        self.rows.get(key).is_some_and(|r| !r.read.is_empty())
            || platform::library_consumer(key).is_some()
    }
}

impl Chain {
    /// Keys that some stage writes into the app's environment and nothing reads.
    pub fn written_unread(&self) -> impl Iterator<Item = &KeyRow> {
        self.rows.values().filter(|r| {
            // An action step's env is the action's input, never the app's.
            r.written.iter().any(|w| !w.via.is_action_input())
                && !self.is_read(&r.key)
                && !self.is_platform_key(&r.key)
        })
    }
}

/// The row of secret `name`, made on first sight.
fn secret_row<'a>(secrets: &'a mut BTreeMap<String, SecretRow>, name: &str) -> &'a mut SecretRow {
    secrets
        .entry(name.to_string())
        .or_insert_with(|| SecretRow {
            name: name.to_string(),
            ..SecretRow::default()
        })
}

/// The opaque stages and the app's visible dotenv keys, from the facts and
/// the deploy units: what the verdicts are judged against.
fn visibility(facts: &Facts, deploy: &reach::Deploy, config: &crate::config::Config) -> Visibility {
    let mut vis = Visibility {
        opaque: facts
            .opaque_stages
            .iter()
            .filter(|o| !read_through(o, facts))
            .cloned()
            .collect(),
        platforms: platforms_shown(facts),
        ..Visibility::default()
    };
    vis.opaque.extend(deploy.opaque.iter().cloned());
    vis.opaque.extend(facts.opaque.iter().map(|o| OpaqueStage {
        kind: OpaqueKind::WholeFileSecret {
            sink: o.sink.clone(),
            source: o.source.clone(),
        },
        location: o.location.clone(),
        scope: String::new(),
    }));
    for load in &facts.dotenv_loads {
        app_dotenv(facts, load, &mut vis);
    }
    declared_env_files(config, &mut vis);
    if let Some(stage) = unseen_deploy(facts, deploy, config, &vis) {
        vis.opaque.push(stage);
    }
    vis.opaque.extend(undeployed_code(facts, config, &vis));
    vis.opaque.sort();
    vis.opaque.dedup();
    vis
}

/// The keys of each committed file a `gcloud run deploy --env-vars-file`
/// names: Cloud Run writes of the job's target, located where the file
/// holds them.
fn cloud_run_env_file_writes(facts: &Facts) -> Vec<EnvWrite> {
    let mut writes = Vec::new();
    for use_ in &facts.cloud_run_env_files {
        let Some(file) = committed_env_vars_file(facts, use_) else {
            continue;
        };
        writes.extend(committed_file_writes(
            file,
            crate::facts::WriteVia::CloudRun,
            crate::facts::Source::Literal,
            None,
            &use_.target,
        ));
    }
    writes
}

/// A committed file's keys as one job's writes, each located where the file
/// holds it.
fn committed_file_writes<'a>(
    file: &'a crate::facts::DotenvFile,
    via: crate::facts::WriteVia,
    source: crate::facts::Source,
    sink: Option<&'a str>,
    target: &'a str,
) -> impl Iterator<Item = EnvWrite> + 'a {
    file.keys.iter().map(move |k| EnvWrite {
        key: k.key.clone(),
        location: k.location.clone(),
        via,
        source: source.clone(),
        sink: sink.map(str::to_string),
        target: Some(target.to_string()),
        remote: false,
    })
}

/// The keys of each committed sops dotenv file a `sops -d F > .env`
/// decrypts: writes into that `.env`, located where the file names them.
fn sops_decrypt_writes(facts: &Facts) -> Vec<EnvWrite> {
    let mut writes = Vec::new();
    for decrypt in &facts.sops_decrypts {
        let Some(file) = committed_sops_file(facts, decrypt) else {
            continue;
        };
        writes.extend(committed_file_writes(
            file,
            crate::facts::WriteVia::SopsDecrypt,
            crate::facts::Source::Unknown,
            Some(&decrypt.sink),
            &decrypt.target,
        ));
    }
    writes
}

/// The committed file a `sops -d` decrypts, when the repository holds it.
fn committed_sops_file<'a>(
    facts: &'a Facts,
    decrypt: &crate::facts::SopsDecrypt,
) -> Option<&'a crate::facts::DotenvFile> {
    decrypt
        .candidates
        .iter()
        .find_map(|c| committed_dotenv_file(facts, c))
}

/// The committed file a `--env-vars-file` names, when the repository holds it.
fn committed_env_vars_file<'a>(
    facts: &'a Facts,
    use_: &crate::facts::CloudRunEnvFile,
) -> Option<&'a crate::facts::DotenvFile> {
    committed_dotenv_file(facts, &use_.path)
}

/// The repository's env file at `path` as a script names it, if it holds one.
fn committed_dotenv_file<'a>(facts: &'a Facts, path: &str) -> Option<&'a crate::facts::DotenvFile> {
    // `$PROJECT_ROOT/.env.sops`: the checkout, so the repository's path.
    let path = crate::collect::compose::under_variable(path).unwrap_or(path);
    let path = crate::collect::compose::join("", path)?;
    facts.dotenv_files.iter().find(|f| f.file == path)
}

/// A deploy step whose env envtrail reads elsewhere: the ECS actions render
/// and deploy a task definition of the repository (whose file and the
/// render step's inputs are read), `terraform apply` applies the Terraform
/// envtrail reads (what it cannot read there is a stage of its own), so does
/// `helm upgrade` of the charts it reads, a platform deploy ships a manifest
/// envtrail reads (`gcloud app deploy` of
/// an `app.yaml`). Only when the repository holds such a definition:
/// otherwise the step's env comes from files envtrail does not see.
fn read_through(stage: &OpaqueStage, facts: &Facts) -> bool {
    let OpaqueKind::DeployStep { what } = &stage.kind else {
        return false;
    };
    let defines = |via: crate::facts::WriteVia| facts.platform_apps.iter().any(|a| a.via == via);
    // The command a script fact was found at is the stage's own line.
    let on_stage_line =
        |at: &Location| at.file == stage.location.file && at.row == stage.location.row;
    // The render step's env inputs are read as writes of its own.
    let action = what.split(" with ").next().unwrap_or(what);
    match action {
        "aws-actions/amazon-ecs-render-task-definition" => {
            defines(crate::facts::WriteVia::EcsTaskDefinition)
        }
        "aws-actions/amazon-ecs-deploy-task-definition" if action == what => {
            defines(crate::facts::WriteVia::EcsTaskDefinition)
        }
        "terraform apply" | "tofu apply" => defines(crate::facts::WriteVia::Terraform),
        // The file it names is read, when the repository holds it.
        "gcloud run deploy --env-vars-file" => facts
            .cloud_run_env_files
            .iter()
            .any(|u| on_stage_line(&u.location) && committed_env_vars_file(facts, u).is_some()),
        // The file it decrypts is read, when the repository holds it.
        "sops" => facts
            .sops_decrypts
            .iter()
            .any(|d| on_stage_line(&d.location) && committed_sops_file(facts, d).is_some()),
        // What install values may add is the chart apps' own unseen part.
        "helm upgrade" | "helm install" | "helmfile" => defines(crate::facts::WriteVia::Helm),
        _ => platform::Platform::of_manifest_deploy(what)
            .is_some_and(|p| facts.platform_apps.iter().any(|a| a.platform == Some(p))),
    }
}

/// The app's code that no delivered compose service runs, in a repository
/// delivering only compose projects (no Kubernetes workload, no platform
/// app): the compose services deployed are image-only, built elsewhere
/// (`docker/build-push-action` of a matrix), and which of them runs this
/// code is not in view. Its keys are unknown there, not unset: that the
/// deployed project lacks a key says nothing about the container that runs
/// the code. One stage per folder of such code.
fn undeployed_code(
    facts: &Facts,
    config: &crate::config::Config,
    vis: &Visibility,
) -> Vec<OpaqueStage> {
    let Some(delivery) = facts
        .compose_deploys
        .iter()
        .filter(|d| d.delivers)
        .map(|d| &d.location)
        .min()
    else {
        return Vec::new();
    };
    // A deploy whose project envtrail could not put together (a file the
    // repository lacks) deploys nothing it sees: nothing to say here.
    if !config.app_service.is_empty()
        || !facts.services.iter().any(|s| s.deployed)
        || !facts.workloads.is_empty()
        || !facts.platform_apps.is_empty()
        || !vis.platforms.0.is_empty()
    {
        return Vec::new();
    }
    // A service whose command starts Python (`gunicorn config.wsgi`) runs
    // the app's code whatever image it pulls.
    let runs = |dir: &str| {
        facts
            .services
            .iter()
            .filter(|s| s.deployed)
            .any(|s| match &s.build_context {
                Some(ctx) => ctx == "." || reach::is_above(ctx, dir),
                None => s.runs_python || s.command.as_ref().is_some_and(|c| c.runs_python),
            })
    };
    let dirs: BTreeSet<&str> = facts
        .reads
        .iter()
        .filter(|r| r.consumer == crate::facts::Consumer::App)
        .map(|r| reach::dir_of(&r.location.file))
        .filter(|dir| !runs(dir))
        .collect();
    dirs.into_iter()
        .map(|dir| OpaqueStage {
            kind: OpaqueKind::UndeployedCode {
                dir: dir.to_string(),
            },
            location: delivery.clone(),
            scope: dir.to_string(),
        })
        .collect()
}

/// No stage envtrail sees deploys the app: no job delivers it (nor does the
/// config name one), no compose service or Kubernetes workload outside a
/// development stack runs its code, no platform shows. A key no visible stage sets is then unknown, not
/// unset: what deploys the app is not in view. Placed at what starts the app
/// (its first entry point or Dockerfile), where there is one.
fn unseen_deploy(
    facts: &Facts,
    deploy: &reach::Deploy,
    config: &crate::config::Config,
    vis: &Visibility,
) -> Option<OpaqueStage> {
    // A development stack (a devcontainer, docker-compose.dev.yml) runs the
    // code but deploys nothing: its unit target does not deliver.
    let seen = deploy.targets.iter().any(|t| t.delivers)
        || !config.deploy_targets.is_empty()
        || facts.jobs.iter().any(|j| j.delivers)
        || !vis.platforms.0.is_empty();
    if seen {
        return None;
    }
    let location = facts
        .entry_points
        .iter()
        .map(|e| e.location.clone())
        .chain(facts.images.iter().map(|i| i.command.clone()))
        .min()
        .or_else(|| {
            // A file that parsed: the anchor should not be a broken one.
            let broken = |f: &str| facts.unparsed.iter().any(|u| u.location.file == f);
            let read = facts
                .reads
                .iter()
                .map(|r| &r.location)
                .filter(|l| !broken(&l.file))
                .min()
                .or_else(|| facts.reads.iter().map(|r| &r.location).min())?;
            Some(Location::file_start(read.file.clone()))
        })?;
    Some(OpaqueStage {
        kind: OpaqueKind::UnseenDeploy,
        location,
        scope: String::new(),
    })
}

/// The platforms the repository deploys to: its platform manifests and
/// deploy steps (opaque stages), its Cloud Run writes, and the signs
/// collectors found besides.
fn platforms_shown(facts: &Facts) -> platform::Platforms {
    let from_stages = facts.opaque_stages.iter().filter_map(|o| match &o.kind {
        OpaqueKind::Infrastructure { kind } => platform::Platform::of_infra(*kind),
        OpaqueKind::DeployStep { what } => platform::Platform::of_deploy_step(what),
        _ => None,
    });
    let from_writes = facts
        .writes
        .iter()
        .filter(|w| w.via == crate::facts::WriteVia::CloudRun)
        .map(|_| platform::Platform::CloudRun);
    let from_signs = facts.platform_signs.iter().map(|s| s.platform);
    let from_apps = facts.platform_apps.iter().filter_map(|a| a.platform);
    platform::Platforms(
        from_stages
            .chain(from_writes)
            .chain(from_signs)
            .chain(from_apps)
            .collect(),
    )
}

/// `[env-files]` in envtrail.toml names the keys of files envtrail cannot
/// see: those files are visible stages from then on, setting exactly those keys.
fn declared_env_files(config: &crate::config::Config, vis: &mut Visibility) {
    if config.env_files.is_empty() {
        return;
    }
    let declared = |path: &str| {
        config
            .env_files
            .iter()
            .find(|(p, _)| p.as_str() == path || reach::basename(p) == reach::basename(path))
            .map(|(_, keys)| keys)
    };
    let at = Location::file_start(
        config
            .file
            .clone()
            .unwrap_or_else(|| "envtrail.toml".into()),
    );
    let mut keep = Vec::new();
    for stage in std::mem::take(&mut vis.opaque) {
        let path = match &stage.kind {
            OpaqueKind::HostEnvFile { path } | OpaqueKind::AppDotenv { path, .. } => {
                Some(path.as_str())
            }
            OpaqueKind::WholeFileSecret { sink, .. } => Some(sink.as_str()),
            _ => None,
        };
        match path.and_then(declared) {
            Some(keys) => {
                for k in keys {
                    vis.file_keys.entry(k.clone()).or_insert_with(|| at.clone());
                }
            }
            None => keep.push(stage),
        }
    }
    vis.opaque = keep;
}

/// A file the repository does not hold and no stage writes cannot be where
/// the app runs when every workflow that delivers it builds the image from
/// its own checkout, or uploads it to a platform (a fresh clone: no
/// developer's `.env`), and no compose
/// host is involved (a host may keep files of its own): the app's own
/// loading of it then adds nothing, and is no unknown.
fn absent_where_the_app_runs(facts: &Facts) -> bool {
    let delivering: Vec<&crate::facts::WorkflowJob> =
        facts.jobs.iter().filter(|j| j.delivers).collect();
    !delivering.is_empty()
        && facts.compose_deploys.iter().all(|d| !d.delivers)
        && delivering.iter().all(|d| {
            facts
                .jobs
                .iter()
                .any(|j| j.location.file == d.location.file && j.ships_checkout)
        })
}

/// The app loads `load.path` itself: its keys are set when envtrail sees the
/// file (committed, or written by the deploy under that name); otherwise the
/// load is an opaque stage.
fn app_dotenv(facts: &Facts, load: &DotenvLoad, vis: &mut Visibility) {
    let name = reach::basename(&load.path);
    let committed: Vec<_> = facts
        .dotenv_files
        .iter()
        .filter(|f| !f.example && reach::basename(&f.file) == name)
        .collect();
    let written: Vec<&EnvWrite> = facts
        .writes
        .iter()
        .filter(|w| {
            w.sink
                .as_deref()
                .is_some_and(|s| reach::basename(s) == name)
        })
        .collect();
    let whole_file = facts
        .opaque
        .iter()
        .any(|o| reach::basename(&o.sink) == name);
    if committed.is_empty() && written.is_empty() || whole_file {
        let scripts_only = !whole_file && absent_where_the_app_runs(facts);
        vis.opaque.push(OpaqueStage {
            kind: OpaqueKind::AppDotenv {
                path: load.path.clone(),
                scripts_only,
            },
            location: load.location.clone(),
            scope: String::new(),
        });
        return;
    }
    for f in committed {
        for k in &f.keys {
            vis.file_keys
                .entry(k.key.clone())
                .or_insert_with(|| k.location.clone());
        }
    }
    for w in written {
        vis.file_keys
            .entry(w.key.clone())
            .or_insert_with(|| w.location.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::{Inventory, Resolution, SecretScope, Store, StoreKind};

    fn store(kind: StoreKind, names: &[&str]) -> Store {
        Store {
            kind,
            file: "f".into(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn a_use_sees_the_shared_stores_and_its_own_environment_only() {
        let production = StoreKind::Environment("production".into());
        let inv = Inventory::from_stores(vec![
            store(StoreKind::Repository, &["REPO"]),
            store(StoreKind::Organization, &["ORG"]),
            store(production, &["PROD"]),
        ]);
        let none = SecretScope::NoEnvironment;
        let prod = SecretScope::Environment("production".into());
        let staging = SecretScope::Environment("staging".into());
        let unknown = SecretScope::Unknown;
        // Every job sees the repository's and the organisation's.
        for scope in [&none, &prod, &staging, &unknown] {
            assert_eq!(inv.resolve("REPO", scope), Resolution::Held, "{scope:?}");
            assert_eq!(inv.resolve("ORG", scope), Resolution::Held, "{scope:?}");
        }
        // An environment's, only its jobs (and a use that may run anywhere).
        assert_eq!(inv.resolve("PROD", &prod), Resolution::Held);
        assert_eq!(inv.resolve("PROD", &unknown), Resolution::Held);
        assert_eq!(inv.resolve("PROD", &none), Resolution::Missing);
        // Staging's store was not given: unknown, not missing.
        assert_eq!(inv.resolve("PROD", &staging), Resolution::Unseen("staging"));
        assert_eq!(inv.resolve("NOWHERE", &prod), Resolution::Missing);
        assert_eq!(inv.resolve("NOWHERE", &none), Resolution::Missing);
        assert_eq!(inv.resolve("NOWHERE", &unknown), Resolution::Missing);
        assert_eq!(inv.names.len(), 3);
        assert_eq!(inv.file, "f, f, f");
    }
}
