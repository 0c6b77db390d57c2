//! The chain model: one row per key, joining what every stage says of it.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::{Consumer, EnvRead, EnvWrite, Facts, OpaqueEnvFile, Stage, Unparsed};
use crate::location::Location;
use crate::platform;

pub mod reach;

/// The secret store's names, from `--secrets FILE`.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub names: BTreeSet<String>,
    /// The inventory file, as given on the command line.
    pub file: String,
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
}

impl KeyRow {
    /// Reads by the app itself (Python code or its shell entrypoints), as
    /// opposed to deploy tooling and libraries.
    pub fn app_reads(&self) -> impl Iterator<Item = &EnvRead> {
        self.read
            .iter()
            .filter(|r| matches!(r.consumer, Consumer::App | Consumer::Entrypoint))
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
        let derived = reach::derive(&facts, config);
        facts.writes.extend(derived.writes);
        facts.reads.extend(derived.reads);
        let mut chain = Chain {
            inventory,
            opaque: facts.opaque,
            unparsed: facts.unparsed,
            deploy: derived.deploy,
            notes: facts.notes,
            ..Chain::default()
        };
        for write in facts.writes {
            chain.row_mut(&write.key).written.push(write);
        }
        for read in facts.reads {
            match read.key.clone() {
                Some(key) => chain.row_mut(&key).read.push(read),
                None => chain.unknown_reads.push(read),
            }
        }
        for secret in facts.secret_refs {
            let row = chain
                .secrets
                .entry(secret.name.clone())
                .or_insert_with(|| SecretRow {
                    name: secret.name.clone(),
                    ..SecretRow::default()
                });
            row.referenced.push(secret.location);
        }
        if let Some(inventory) = &chain.inventory {
            for name in &inventory.names {
                chain
                    .secrets
                    .entry(name.clone())
                    .or_insert_with(|| SecretRow {
                        name: name.clone(),
                        ..SecretRow::default()
                    });
            }
            for row in chain.secrets.values_mut() {
                row.in_inventory = Some(inventory.names.contains(&row.name));
            }
        }
        for row in chain.rows.values_mut() {
            row.written.sort_by(|a, b| a.location.cmp(&b.location));
            row.read.sort_by(|a, b| a.location.cmp(&b.location));
        }
        for row in chain.secrets.values_mut() {
            row.referenced.sort();
            row.referenced.dedup();
        }
        chain
            .unknown_reads
            .sort_by(|a, b| a.location.cmp(&b.location));
        chain.opaque.sort_by(|a, b| a.location.cmp(&b.location));
        chain.unparsed.sort_by(|a, b| a.location.cmp(&b.location));
        chain.notes.sort_by(|a, b| a.location.cmp(&b.location));
        chain
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

    /// The platform sets `key`, or: with a compose/Kubernetes/Cloud Run stage
    /// for the app, `key` reaches the app in some target; without one, some
    /// stage writes it.
    pub fn is_set(&self, key: &str) -> bool {
        if platform::is_platform_key(key) {
            return true;
        }
        if self.deploy.has_app_stage {
            return self.deploy.reaches(key);
        }
        self.rows.get(key).is_some_and(|r| !r.written.is_empty())
    }

    /// A read is satisfied when any key of its fallback chain (or a
    /// configured alias of one) is set.
    pub fn is_satisfied(&self, read: &EnvRead) -> bool {
        let file = read.location.file.as_str();
        read.chain.iter().any(|k| {
            self.is_set_for(k, file)
                || self
                    .deploy
                    .aliases
                    .get(k)
                    .is_some_and(|a| a.iter().any(|k| self.is_set_for(k, file)))
        })
    }

    /// `key` is set for the code in `file`: like [`Chain::is_set`], but in a
    /// monorepo only the app service that runs `file` counts.
    pub fn is_set_for(&self, key: &str, file: &str) -> bool {
        if platform::is_platform_key(key) {
            return true;
        }
        if self.deploy.has_app_stage {
            return self.deploy.reaches_code_in(key, file);
        }
        self.rows.get(key).is_some_and(|r| !r.written.is_empty())
    }

    /// The secret store holds `name` (false without an inventory).
    pub fn in_inventory(&self, name: &str) -> bool {
        self.inventory
            .as_ref()
            .is_some_and(|i| i.names.contains(name))
    }

    /// Rows whose key some stage writes and no code reads.
    pub fn is_read(&self, key: &str) -> bool {
        self.rows.get(key).is_some_and(|r| !r.read.is_empty())
            || platform::library_consumer(key).is_some()
    }
}

impl Chain {
    /// The app's reads of `row` that head their own chain and that no stage
    /// satisfies: what `unset-*` and `secret-unwritten` report on.
    pub fn unsatisfied_reads<'a>(
        &'a self,
        row: &'a KeyRow,
    ) -> impl Iterator<Item = &'a EnvRead> + 'a {
        row.app_reads()
            .filter(|r| r.fallback_of.is_none())
            .filter(move |r| !self.is_satisfied(r))
    }

    /// Keys that some stage writes into the app's environment and nothing reads.
    pub fn written_unread(&self) -> impl Iterator<Item = &KeyRow> {
        self.rows.values().filter(|r| {
            !r.written.is_empty() && !self.is_read(&r.key) && !platform::is_platform_key(&r.key)
        })
    }
}
