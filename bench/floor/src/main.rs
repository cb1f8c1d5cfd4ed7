//! `forklint-bench-floor DIR [--jobs N]`: the cheapest possible syn pass over
//! a tree, the floor forklint is measured against. Walks DIR the way
//! forklint's discovery does (skipping `target/` and hidden directories),
//! then N worker threads each take the next file, read it and parse it with
//! `syn::parse_file`. Prints one summary line and the files that failed to
//! parse.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use walkdir::WalkDir;

/// Generous, like a linter's workers: deeply nested real code must not
/// overflow the stack of the parser's recursive descent.
const WORKER_STACK: usize = 64 << 20;

#[derive(Default)]
struct Totals {
    files: usize,
    lines: usize,
    bytes: usize,
    items: usize,
    failures: Vec<(PathBuf, String)>,
}

fn main() {
    let (root, jobs) = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            eprintln!("error: {msg}\nusage: forklint-bench-floor DIR [--jobs N]");
            std::process::exit(2);
        }
    };
    let files = rust_files(&root);
    let next = AtomicUsize::new(0);
    let totals = Mutex::new(Totals::default());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, || {
                    let mut mine = Totals::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        parse_one(path, &mut mine);
                    }
                    let mut all = totals.lock().unwrap_or_else(|e| e.into_inner());
                    all.files += mine.files;
                    all.lines += mine.lines;
                    all.bytes += mine.bytes;
                    all.items += mine.items;
                    all.failures.extend(mine.failures);
                })
                .expect("spawn a worker thread");
        }
    });
    let mut totals = totals.into_inner().unwrap_or_else(|e| e.into_inner());
    totals.failures.sort();
    println!(
        "floor: files={} lines={} bytes={} items={} parse_failures={} jobs={jobs}",
        totals.files,
        totals.lines,
        totals.bytes,
        totals.items,
        totals.failures.len()
    );
    for (path, err) in &totals.failures {
        println!("parse failure: {}: {err}", path.display());
    }
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(PathBuf, usize), String> {
    let mut root = None;
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--jobs" | "-j" => {
                let n = args.next().ok_or("--jobs needs a number")?;
                jobs = n
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or(format!("bad --jobs value `{n}`"))?;
            }
            _ if root.is_none() => root = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    Ok((root.ok_or("no directory given")?, jobs))
}

/// Every `.rs` file under `root`, in a stable order, skipping what
/// forklint's discovery skips.
fn rust_files(root: &Path) -> Vec<PathBuf> {
    WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            e.depth() == 0 || !(e.file_type().is_dir() && (name == "target" || name.starts_with('.')))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(walkdir::DirEntry::into_path)
        .collect()
}

fn parse_one(path: &Path, totals: &mut Totals) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            totals
                .failures
                .push((path.to_path_buf(), format!("cannot read: {e}")));
            return;
        }
    };
    totals.files += 1;
    totals.lines += text.lines().count();
    totals.bytes += text.len();
    match syn::parse_file(&text) {
        // Counting items keeps the parse observable, so nothing is elided.
        Ok(file) => totals.items += file.items.len(),
        Err(e) => {
            let at = e.span().start();
            totals
                .failures
                .push((path.to_path_buf(), format!("{}:{}: {e}", at.line, at.column + 1)));
        }
    }
    // With span-locations, span data otherwise accumulates for the thread's
    // whole life: the same release forklint does after each file.
    proc_macro2::extra::invalidate_current_thread_spans();
}
