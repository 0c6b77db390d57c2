//! One audit, start to end: config and inventory, collectors, chain, rules.

use std::path::{Path, PathBuf};

use crate::chain::{Chain, Inventory, Store};
use crate::cli::{CommonArgs, SecretsArg};
use crate::collect::{self, Context};
use crate::config::{Config, Globs};
use crate::error::Error;
use crate::report::Report;
use crate::rules;
use crate::suppress;

/// What an audit needs from the command line.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub root: PathBuf,
    /// Inventory files (`-`: stdin), one store each.
    pub secrets: Vec<crate::cli::SecretsArg>,
    pub config: Option<PathBuf>,
    pub settings: Vec<String>,
    pub threads: usize,
    /// A progress bar may be shown on stderr: the output is a table for a
    /// person (the bar still needs an interactive stderr outside CI).
    pub progress: bool,
}

impl AuditOptions {
    pub fn new(root: &Path, common: &CommonArgs) -> Self {
        AuditOptions {
            root: root.to_path_buf(),
            secrets: common.secrets.clone(),
            config: common.config.clone(),
            settings: common.settings.clone(),
            threads: common.threads,
            progress: common.format == crate::render::Format::Table && !common.quiet,
        }
    }
}

pub fn load_config(options: &AuditOptions) -> Result<Config, Error> {
    let mut config = match &options.config {
        Some(path) => Config::load(path).map_err(Error::Config)?,
        None => {
            let default = options.root.join("envtrail.toml");
            if default.is_file() {
                Config::load(&default).map_err(Error::Config)?
            } else {
                return Ok(Config::default());
            }
        }
    };
    // Where `unused-ignore` findings point: relative to the root when inside it.
    let path = options
        .config
        .clone()
        .unwrap_or_else(|| options.root.join("envtrail.toml"));
    config.file = Some(match path.strip_prefix(&options.root) {
        Ok(rel) => collect::rel_string(rel),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    });
    Ok(config)
}

/// One `--secrets` store's names. An empty one is an error naming the file.
fn load_store(arg: &SecretsArg) -> Result<Store, Error> {
    let path = &arg.path;
    let failed = |message: String| Error::Inventory {
        path: path.to_path_buf(),
        message,
    };
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|e| failed(e.to_string()))?
    } else {
        std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?
    };
    let names = collect::inventory::parse(&text).map_err(failed)?;
    // `gh secret list` printing nothing is a wrong repository or a failed
    // login far more often than a deploy without secrets.
    if names.is_empty() {
        return Err(failed(
            "holds no secret names (a wrong repository, or `gh` not logged in?)".into(),
        ));
    }
    Ok(Store {
        kind: arg.store.clone(),
        names,
        file: match path == Path::new("-") {
            true => "stdin".into(),
            false => path.to_string_lossy().replace('\\', "/"),
        },
    })
}

/// Every `--secrets` store, their names joined; `file` names them all.
pub fn load_inventories(args: &[SecretsArg]) -> Result<Inventory, Error> {
    // Standard input holds one inventory: a second `-` would read nothing.
    let stdin = |a: &&SecretsArg| a.path == Path::new("-");
    if args.iter().filter(stdin).count() > 1 {
        return Err(Error::Inventory {
            path: PathBuf::from("-"),
            message: "given twice: standard input holds one inventory".into(),
        });
    }
    let stores = args.iter().map(load_store).collect::<Result<Vec<_>, _>>()?;
    if stores.is_empty() {
        return Err(Error::Inventory {
            path: PathBuf::new(),
            message: "no inventory given".into(),
        });
    }
    Ok(Inventory::from_stores(stores))
}

/// The static audit: every collector, the chain, every static rule, then
/// the suppressions.
pub fn run(options: &AuditOptions) -> Result<Report, Error> {
    let chain = build_chain(options)?;
    let config = load_config(options)?;
    let findings = suppress::apply(rules::run(&chain), &chain, &options.root, &config);
    Ok(Report {
        root: options.root.to_string_lossy().into_owned(),
        repo_root: repo_root(&options.root),
        chain,
        findings,
    })
}

/// The work tree enclosing `root`, as the JSON report names it.
pub fn repo_root(root: &Path) -> Option<String> {
    crate::repository::locate(root).map(|r| r.root.to_string_lossy().replace('\\', "/"))
}

/// Collect and join, without judging: for commands that add stages (live).
pub fn build_chain(options: &AuditOptions) -> Result<Chain, Error> {
    build_chain_and_config(options).map(|(chain, _)| chain)
}

/// [`build_chain`], with the config it was built under, so a caller needs
/// no second read of envtrail.toml.
pub fn build_chain_and_config(options: &AuditOptions) -> Result<(Chain, Config), Error> {
    if options.root.is_file() {
        return Err(Error::PathIsFile(options.root.clone()));
    }
    if !options.root.is_dir() {
        return Err(Error::PathMissing(options.root.clone()));
    }
    let config = load_config(options)?;
    let inventory = (!options.secrets.is_empty())
        .then(|| load_inventories(&options.secrets))
        .transpose()?;
    let settings_globs = Globs::new(options.settings.iter().chain(config.settings.patterns()))
        .map_err(Error::Config)?;
    let ctx = Context {
        root: options.root.clone(),
        config,
        settings_globs,
        threads: options.threads,
    };
    let progress = crate::progress::Progress::for_audit(options.progress);
    let facts = collect::collect_all_reporting(&ctx, &progress);
    // What the collectors' threads freed is not needed for the chain.
    crate::memory::release_freed();
    let chain = Chain::build_with(facts, inventory, &ctx.config);
    crate::memory::release_freed();
    Ok((chain, ctx.config))
}
