//! envtrail: audits configuration drift along the chain a web app's env
//! travels — secrets → workflow → compose/image → settings → live container.
//!
//! Data flows one way: [`collect`] turns files into located [`facts`]; the
//! [`chain`] joins them into one row per key; [`rules`] judge the chain into
//! [`finding`]s; [`render`] prints a [`report`] in one of several formats.

pub mod audit;
pub mod chain;
pub mod checklist;
pub mod cli;
pub mod collect;
pub mod commands;
pub mod config;
pub mod error;
pub mod facts;
pub mod finding;
pub mod live;
pub mod location;
pub mod memory;
pub mod platform;
pub mod progress;
pub mod render;
pub mod report;
pub mod repository;
pub mod rules;
pub mod source_lines;
pub mod suppress;
pub mod trace;
pub mod yaml;
