//! briefing: source documents and curated YAML notes in, a static briefing
//! site out, in which every statement links to the passage it rests on.
//!
//! The pipeline is a chain of stages, each taking the previous stage's value:
//! [`load`] (files → [`model::Briefing`]) → [`check`] (→ diagnostics and the
//! located quotes) → [`render`] (→ pages) → [`output`] (→ disk). Every value
//! between the files and the site is a query of the incremental [`engine`],
//! listed with what it reads in [`db`]; `build`, `check`, `watch` and `serve`
//! all run the same queries ([`pipeline`]), on an engine that starts empty
//! or (watch) is kept between rebuilds.

pub mod add;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod corroborate;
pub mod date;
pub mod db;
pub mod diag;
pub mod engine;
pub mod export;
pub mod files;
pub mod i18n;
pub mod init;
pub mod integrity;
pub mod links;
pub mod load;
pub mod lsp;
pub mod markdown;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod quote;
pub mod render;
pub mod routes;
pub mod serve;
pub mod watch;
pub mod yaml;
