//! `envtrail checklist`: the release checklist of incident 1, made from the
//! repository itself. For every key the app reads, one item per stage that
//! must hold it (the secret store, the deploy workflow's injection line, the
//! compose/image stage, the running container), ticked where the static
//! audit proved it, open where it found a gap or where only a human or a
//! live audit can tell; then the post-deploy checks.

use std::io::{self, Write};

use serde::Serialize;

use crate::chain::{Chain, KeyRow, KeyVerdict, Verdict};
use crate::facts::{EnvWrite, OpaqueKind, Stage};
use crate::finding::Severity;
use crate::location::Location;
use crate::render::markdown::{code, inline, rich};
use crate::report::Report;
use crate::rules::unset::InjectionSites;

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The static audit proved it.
    Done,
    /// The static audit found it missing: fix before releasing.
    Missing,
    /// Only a human or a live audit can tell.
    Verify,
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// `secret`, `workflow`, `compose`, `container`, or a post-deploy check.
    pub stage: &'static str,
    pub status: Status,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

impl Item {
    fn new(stage: &'static str, status: Status, text: String, at: Option<&Location>) -> Item {
        Item {
            stage,
            status,
            text,
            file: at.map(|l| l.shown_file().into_owned()),
            line: at.map(Location::line),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyItems {
    pub key: String,
    pub file: String,
    pub line: u32,
    pub required: bool,
    /// The fallback chain, when the read has aliases.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    pub schema: &'static str,
    pub root: String,
    pub container: Option<String>,
    pub keys: Vec<KeyItems>,
    /// Findings about no single key (unparsed files, restart policies...).
    pub other: Vec<Item>,
    pub post_deploy: Vec<Item>,
}

pub fn build(report: &Report, container: Option<&str>) -> Checklist {
    let chain = &report.chain;
    let injection = InjectionSites::of(chain);
    let sites: Vec<_> = injection.all().collect();
    let workflow_file = sites
        .iter()
        .map(|s| s.file.clone())
        .find(|f| f.contains("workflows/"))
        .or_else(|| sites.first().map(|s| s.file.clone()));
    // A heredoc env file takes a line of the heredoc, not an `echo` inside it.
    let heredoc = workflow_file
        .as_deref()
        .and_then(|f| injection.heredoc_in(f))
        .cloned();
    let workflow = workflow_file.as_deref().map(|file| InjectionAt {
        file,
        heredoc: heredoc.as_ref(),
    });
    let mut keys = Vec::new();
    for row in chain.rows.values() {
        let Some(kv) = &row.verdict else {
            continue;
        };
        if matches!(kv.verdict, Verdict::Platform { .. }) {
            continue;
        }
        let read = &kv.read;
        let mut items = vec![
            secret_item(chain, row),
            workflow_item(chain, row, kv, workflow),
            compose_item(chain, row, kv),
            container_item(row, container),
        ];
        if let Verdict::Unknown { because, at } = &kv.verdict {
            items.insert(2, unseen_item(&row.key, because, at));
        }
        keys.push(KeyItems {
            key: row.key.clone(),
            file: read.location.shown_file().into_owned(),
            line: read.location.line(),
            required: read.required,
            chain: if read.chain.len() > 1 {
                read.chain.clone()
            } else {
                Vec::new()
            },
            items,
        });
    }
    let other = report
        .findings
        .iter()
        .filter(|f| f.key.is_none() && f.severity >= Severity::Warning)
        .map(|f| {
            Item::new(
                "audit",
                Status::Missing,
                format!("{}: {}", f.rule, f.message),
                Some(&f.location),
            )
        })
        .collect();
    Checklist {
        schema: "envtrail-checklist/v1",
        root: report.root.clone(),
        container: container.map(str::to_string),
        keys,
        other,
        post_deploy: post_deploy(report, container),
    }
}

/// A stage envtrail cannot see may set the key: a human checks that stage.
fn unseen_item(key: &str, because: &OpaqueKind, at: &Location) -> Item {
    let (stage, _) = crate::rules::describe_opaque(because);
    Item::new(
        "unseen",
        Status::Verify,
        format!("check that {stage} sets {}", code(key)),
        Some(at),
    )
}

/// A stage with no line for the key: missing when the verdict is certain,
/// for a human to verify when a stage envtrail cannot see may set it.
fn gap_status(kv: &KeyVerdict) -> Status {
    match kv.verdict {
        Verdict::Unknown { .. } => Status::Verify,
        _ => Status::Missing,
    }
}

/// The writes that satisfy `row`'s read: its own, else an alias's.
fn satisfying_writes<'a>(
    chain: &'a Chain,
    row: &'a KeyRow,
    aliases: &'a [String],
) -> Vec<&'a EnvWrite> {
    let own: Vec<_> = chain.deploy_writes(row).collect();
    if !own.is_empty() {
        return own;
    }
    aliases
        .iter()
        .filter_map(|k| chain.row(k))
        .flat_map(|r| chain.deploy_writes(r))
        .collect()
}

fn secret_item(chain: &Chain, row: &KeyRow) -> Item {
    let inventory = chain.inventory.as_ref().map(|i| i.file.as_str());
    if let Some(w) = chain
        .deploy_writes(row)
        .find(|w| w.source.secret_name().is_some())
    {
        let name = w.source.secret_name().unwrap_or_default();
        return match inventory {
            Some(_) if chain.in_inventory(name) => Item::new(
                "secret",
                Status::Done,
                format!(
                    "secret `{name}` is in the secret store ({})",
                    holding(chain, name)
                ),
                None,
            ),
            Some(file) => Item::new(
                "secret",
                Status::Missing,
                format!(
                    "secret `{name}` is used by the deploy but the secret store ({file}) has no `{name}`: add it"
                ),
                Some(&w.location),
            ),
            None => Item::new(
                "secret",
                Status::Verify,
                format!(
                    "secret `{name}` exists in the secret store (no `--secrets` inventory was given)"
                ),
                None,
            ),
        };
    }
    if chain.in_inventory(&row.key) {
        return Item::new(
            "secret",
            Status::Done,
            format!(
                "secret `{}` is in the secret store ({})",
                row.key,
                holding(chain, &row.key)
            ),
            None,
        );
    }
    if let Some(w) = chain.deploy_writes(row).next() {
        return Item::new(
            "secret",
            Status::Done,
            format!("the value comes from {} (not a secret)", w.source.label()),
            Some(&w.location),
        );
    }
    Item::new(
        "secret",
        Status::Verify,
        format!(
            "decide where the value of `{}` lives and add it to the secret store",
            row.key
        ),
        None,
    )
}

/// The workflow a missing injection goes into, and its env file's heredoc.
#[derive(Clone, Copy)]
struct InjectionAt<'a> {
    file: &'a str,
    heredoc: Option<&'a Location>,
}

fn workflow_item(
    chain: &Chain,
    row: &KeyRow,
    kv: &KeyVerdict,
    workflow: Option<InjectionAt>,
) -> Item {
    let writes = satisfying_writes(chain, row, &kv.read.chain);
    if let Some(w) = writes.iter().find(|w| w.via.stage() == Stage::Workflow) {
        let alias = if w.key == row.key {
            String::new()
        } else {
            format!(" (through its fallback `{}`)", w.key)
        };
        return Item::new(
            "workflow",
            Status::Done,
            format!("injected by {} ({}){alias}", w.location, w.via.as_str()),
            Some(&w.location),
        );
    }
    if let Some(w) = writes.first() {
        return Item::new(
            "workflow",
            Status::Done,
            format!(
                "set by {} ({}); no workflow line needed",
                w.location,
                w.via.as_str()
            ),
            Some(&w.location),
        );
    }
    let secret = chain
        .deploy_writes(row)
        .find_map(|w| w.source.secret_name())
        .unwrap_or(&row.key)
        .to_string();
    let status = gap_status(kv);
    // Unknown is not missing: the fix is asked for only if the stage
    // envtrail cannot see does not set the key.
    let gap = match status {
        Status::Missing => "MISSING",
        _ => "unless the stage envtrail cannot see sets it",
    };
    match workflow {
        Some(InjectionAt { file, heredoc }) => {
            let key = &row.key;
            let fix = match heredoc {
                Some(at) => crate::rules::unset::heredoc_line_tip(key, &secret, at),
                None => format!(
                    "add `echo \"{key}=${{{{ secrets.{secret} }}}}\" >> .env` beside the other injection lines"
                ),
            };
            Item::new(
                "workflow",
                status,
                format!("{gap} in {}: {fix}", crate::location::shown(file)),
                None,
            )
            .with_file(file)
        }
        None => Item::new(
            "workflow",
            status,
            format!(
                "{gap}: no stage writes `{}`, and no deploy workflow writes the app's env",
                row.key
            ),
            None,
        ),
    }
}

/// The inventory files whose stores hold `name`.
fn holding(chain: &Chain, name: &str) -> String {
    chain
        .inventory
        .as_ref()
        .map_or_else(|| "inventory".to_string(), |i| i.files_holding(name))
}

impl Item {
    fn with_file(mut self, file: &str) -> Item {
        self.file = Some(crate::location::shown(file).into_owned());
        self
    }
}

fn compose_item(chain: &Chain, row: &KeyRow, kv: &KeyVerdict) -> Item {
    let writes = satisfying_writes(chain, row, &kv.read.chain);
    if let Some(w) = writes.iter().find(|w| w.via.stage() == Stage::Deploy) {
        return Item::new(
            "compose",
            Status::Done,
            format!("passed to the app by {} ({})", w.location, w.via.as_str()),
            Some(&w.location),
        );
    }
    // The verdict says where a visible deploy stage stops the key.
    if let Verdict::Unset { breaks } = &kv.verdict
        && let Some(b) = breaks.first()
    {
        let (phrase, _) = crate::rules::unset::break_phrase(&row.key, b);
        return Item::new(
            "compose",
            Status::Missing,
            format!("MISSING: {phrase}"),
            Some(&b.location),
        );
    }
    Item::new(
        "compose",
        Status::Verify,
        format!(
            "the app's container receives `{}` (compose `env_file:`/`environment:`, or `docker run --env-file`)",
            row.key
        ),
        None,
    )
}

fn container_item(row: &KeyRow, container: Option<&str>) -> Item {
    let name = container.unwrap_or("<container>");
    match row.live {
        Some(l) if l.present && !l.empty => Item::new(
            "container",
            Status::Done,
            format!("present and non-empty in the running container `{name}`"),
            None,
        ),
        Some(_) => Item::new(
            "container",
            Status::Missing,
            format!("missing or empty in the running container `{name}`"),
            None,
        ),
        None => Item::new(
            "container",
            Status::Verify,
            format!(
                "present and non-empty in the running container `{name}` (`envtrail live` checks it)"
            ),
            None,
        ),
    }
}

fn post_deploy(report: &Report, container: Option<&str>) -> Vec<Item> {
    let name = container.unwrap_or("<container>");
    let root = &report.root;
    let mut settings: Vec<std::borrow::Cow<str>> = report
        .chain
        .rows
        .values()
        .flat_map(|r| r.app_reads())
        .filter(|r| r.location.file.ends_with(".py"))
        .map(|r| r.location.shown_file())
        .collect();
    settings.sort_unstable();
    settings.dedup();
    let settings = if settings.is_empty() {
        "the settings module".to_string()
    } else {
        settings.join(", ")
    };
    vec![
        Item::new(
            "image",
            Status::Verify,
            format!(
                "the settings inside the deployed image match the repository's ({settings}): `envtrail live {root} --container {name}` reports no `image-drift`"
            ),
            None,
        ),
        Item::new(
            "health",
            Status::Verify,
            format!(
                "the container is up and healthy: `docker inspect --format '{{{{.State.Status}}}} {{{{if .State.Health}}}}{{{{.State.Health.Status}}}}{{{{end}}}}' {name}` prints `running healthy`"
            ),
            None,
        ),
        Item::new(
            "boot-log",
            Status::Verify,
            format!(
                "the boot log has no `ImproperlyConfigured` or connection errors: `docker logs --tail 200 {name}`"
            ),
            None,
        ),
        Item::new(
            "live",
            Status::Verify,
            format!("the live audit passes: `envtrail live {root} --container {name}`"),
            None,
        ),
    ]
}

pub fn render_markdown(list: &Checklist, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<!-- envtrail checklist -->")?;
    writeln!(out, "## Release checklist: {}", inline(&list.root))?;
    writeln!(out)?;
    let (done, open) = list
        .keys
        .iter()
        .flat_map(|k| &k.items)
        .fold((0, 0), |(d, o), i| {
            if i.status == Status::Done {
                (d + 1, o)
            } else {
                (d, o + 1)
            }
        });
    let missing = list
        .keys
        .iter()
        .flat_map(|k| &k.items)
        .chain(&list.other)
        .filter(|i| i.status == Status::Missing)
        .count();
    writeln!(
        out,
        "Made by `envtrail checklist` from the repository: {done} item{} proved by the static audit (ticked), {open} open, of which {missing} {} missing. Open items marked **MISSING** need a fix; the others need a human or `envtrail live`.",
        if done == 1 { "" } else { "s" },
        if missing == 1 { "is" } else { "are" },
    )?;
    if list.keys.is_empty() {
        writeln!(out)?;
        writeln!(out, "No env key read by the app was found.")?;
    }
    for key in &list.keys {
        writeln!(out)?;
        let mut head = format!(
            "### {} (read at {}:{}",
            code(&key.key),
            inline(&key.file),
            key.line
        );
        if key.required {
            head.push_str(", required");
        }
        if !key.chain.is_empty() {
            let chain: Vec<String> = key.chain.iter().map(|k| code(k)).collect();
            head.push_str(&format!(", fallback chain {}", chain.join(" → ")));
        }
        head.push(')');
        writeln!(out, "{head}")?;
        writeln!(out)?;
        for item in &key.items {
            write_item(out, item)?;
        }
    }
    if !list.other.is_empty() {
        writeln!(out)?;
        writeln!(out, "### Other findings to resolve")?;
        writeln!(out)?;
        for item in &list.other {
            write_item(out, item)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "### After the deploy")?;
    writeln!(out)?;
    for item in &list.post_deploy {
        write_item(out, item)?;
    }
    Ok(())
}

fn write_item(out: &mut dyn Write, item: &Item) -> io::Result<()> {
    let tick = if item.status == Status::Done {
        "x"
    } else {
        " "
    };
    // Texts quote commands between backticks and name keys and paths from
    // the repository: `rich` keeps the former as code and escapes the rest.
    let (flag, text) = match item.text.strip_prefix("MISSING") {
        Some(rest) => ("**MISSING**", rich(rest)),
        None if item.status == Status::Missing => ("**MISSING** ", rich(&item.text)),
        None => ("", rich(&item.text)),
    };
    writeln!(out, "- [{tick}] **{}**: {flag}{text}", item.stage)
}

pub fn render_json(list: &Checklist, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, list)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testdata;

    fn markdown(list: &Checklist) -> String {
        let mut out = Vec::new();
        render_markdown(list, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn stagelog_checklist() {
        insta::assert_snapshot!(markdown(&build(&testdata::stagelog(), None)));
    }

    #[test]
    fn clean_checklist_with_container() {
        insta::assert_snapshot!(markdown(&build(&testdata::clean(), Some("stagelog-api"))));
    }

    #[test]
    fn the_four_missing_injections_are_open_and_name_the_workflow() {
        let list = build(&testdata::stagelog(), None);
        let open: Vec<&str> = list
            .keys
            .iter()
            .filter(|k| {
                k.items
                    .iter()
                    .any(|i| i.stage == "workflow" && i.status == Status::Missing)
            })
            .map(|k| k.key.as_str())
            .collect();
        assert_eq!(
            open,
            [
                "AWS_REGION",
                "S3_PRESIGN_EXPIRES",
                "S3_UPLOAD_BUCKET",
                "S3_UPLOAD_PREFIX"
            ]
        );
        for k in list.keys.iter().filter(|k| open.contains(&k.key.as_str())) {
            let item = k.items.iter().find(|i| i.stage == "workflow").unwrap();
            assert!(item.text.contains(testdata::WORKFLOW), "{}", item.text);
            assert_eq!(item.file.as_deref(), Some(testdata::WORKFLOW));
        }
        // The keys the workflow does write are ticked.
        let secret_key = list.keys.iter().find(|k| k.key == "SECRET_KEY").unwrap();
        assert!(
            secret_key.items[..2]
                .iter()
                .all(|i| i.status == Status::Done)
        );
    }

    #[test]
    fn hostile_paths_are_escaped_in_markdown() {
        let mut report = testdata::stagelog();
        for row in report.chain.rows.values_mut() {
            for w in &mut row.written {
                w.location.file = "<img src=x>|*.yml".into();
            }
        }
        let text = markdown(&build(&report, None));
        assert!(!text.contains("<img"), "{text}");
        assert!(
            text.contains("injected by &lt;img src=x&gt;\\|\\*.yml:41"),
            "{text}"
        );
    }

    #[test]
    fn json_has_a_status_per_item() {
        let mut out = Vec::new();
        render_json(&build(&testdata::stagelog(), Some("api")), &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema"], "envtrail-checklist/v1");
        assert_eq!(v["container"], "api");
        let bucket = v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["key"] == "S3_UPLOAD_BUCKET")
            .unwrap();
        assert_eq!(bucket["items"][1]["status"], "missing");
        assert_eq!(bucket["chain"][1], "AWS_STORAGE_BUCKET_NAME");
    }
}
