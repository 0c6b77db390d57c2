//! The progress bar: on stderr, only for a person watching a terminal (not
//! in CI logs, not with machine formats), and only once the audit has run
//! for a second, so quick runs never flash one.

use std::io::IsTerminal;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long an audit runs before the bar appears.
const DELAY: Duration = Duration::from_secs(1);

/// The bar of the running audit, ticked by [`crate::collect::par_map`] as
/// files are done. `None` when no bar is shown.
static CURRENT: RwLock<Option<ProgressBar>> = RwLock::new(None);

/// Whether a bar may be shown at all: stderr is a terminal, not a dumb one,
/// and this is not a CI run.
pub fn stderr_is_interactive() -> bool {
    let set = |name: &str| {
        std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
    };
    std::io::stderr().is_terminal()
        && !set("CI")
        && !set("GITHUB_ACTIONS")
        && !set("GITEA_ACTIONS")
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

/// The audit's progress. Hidden unless built with [`Progress::for_audit`]
/// on an interactive stderr.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// `true` once finished; the delayed reveal checks it under the lock.
    finished: Arc<(Mutex<bool>, Condvar)>,
    reveal: Mutex<Option<JoinHandle<()>>>,
}

impl Progress {
    /// No bar: every method is a no-op.
    pub fn hidden() -> Progress {
        Progress {
            bar: None,
            finished: Arc::new((Mutex::new(false), Condvar::new())),
            reveal: Mutex::new(None),
        }
    }

    /// A bar when `wanted` (the caller prints a table, not a machine format)
    /// and stderr is interactive; it is drawn only after [`DELAY`].
    pub fn for_audit(wanted: bool) -> Progress {
        if !(wanted && stderr_is_interactive()) {
            return Progress::hidden();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let finished = Arc::new((Mutex::new(false), Condvar::new()));
        let reveal = {
            let bar = bar.clone();
            let finished = Arc::clone(&finished);
            std::thread::spawn(move || {
                let (lock, wake) = &*finished;
                let Ok(done) = lock.lock() else { return };
                let Ok((done, _)) = wake.wait_timeout_while(done, DELAY, |done| !*done) else {
                    return;
                };
                if !*done {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    bar.enable_steady_tick(Duration::from_millis(120));
                }
            })
        };
        Progress {
            bar: Some(bar),
            finished,
            reveal: Mutex::new(Some(reveal)),
        }
    }

    /// Whether a bar may be drawn (for tests and callers that want to know).
    pub fn is_enabled(&self) -> bool {
        self.bar.is_some()
    }

    /// The walk: a spinner, its length is not known yet.
    pub fn walking(&self) {
        if let Some(bar) = &self.bar {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_message("walking the repository");
        }
    }

    /// The collectors: `total` files to read.
    pub fn collecting(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg} [{bar:30}] {pos}/{len} files ({elapsed})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message("reading");
        }
    }

    /// Move the bar to at least `done` files.
    pub fn at_least(&self, done: u64) {
        if let Some(bar) = &self.bar
            && bar.position() < done
        {
            bar.set_position(done);
        }
    }

    /// Make this the bar [`ticker`] hands out until the guard drops.
    pub fn activate(&self) -> Active {
        if let Some(bar) = &self.bar
            && let Ok(mut current) = CURRENT.write()
        {
            *current = Some(bar.clone());
        }
        Active(self.bar.is_some())
    }

    /// Erase the bar (if it was ever drawn) before the report is printed.
    pub fn finish(&self) {
        let Some(bar) = &self.bar else { return };
        {
            let (lock, wake) = &*self.finished;
            if let Ok(mut done) = lock.lock() {
                *done = true;
            }
            wake.notify_all();
        }
        if let Some(reveal) = self.reveal.lock().ok().and_then(|mut r| r.take()) {
            let _ = reveal.join();
        }
        bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Clears [`CURRENT`] when the collectors are done.
pub struct Active(bool);

impl Drop for Active {
    fn drop(&mut self) {
        if self.0
            && let Ok(mut current) = CURRENT.write()
        {
            *current = None;
        }
    }
}

/// A handle on the running audit's bar, taken once per parallel map.
pub struct Ticker(Option<ProgressBar>);

impl Ticker {
    /// One more file done.
    pub fn tick(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }
}

pub fn ticker() -> Ticker {
    Ticker(CURRENT.read().ok().and_then(|current| current.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_progress_hands_out_no_bar() {
        let progress = Progress::hidden();
        assert!(!progress.is_enabled());
        let _active = progress.activate();
        // Another test may hold a bar at the same time only through
        // `for_audit`, which test processes (no terminal) never enable.
        assert!(ticker().0.is_none());
        progress.finish();
    }

    #[test]
    fn no_bar_without_a_terminal() {
        // `cargo test` captures stderr: it is not a terminal.
        if !std::io::stderr().is_terminal() {
            assert!(!Progress::for_audit(true).is_enabled());
        }
        assert!(!Progress::for_audit(false).is_enabled());
    }
}
