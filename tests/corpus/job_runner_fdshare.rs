// Corpus: a batch job runner that forks worker processes over a spool file
// (one shell command per line, after a header line), with an append-only
// journal shared by everyone. Single-threaded: no thread is ever started.
//
// Hazardous: `run_batch` opens the spool and wraps it in a `BufReader`
// before forking; each worker then reads records from its inherited copy
// while the parent, after the fork, counts what is left with the same
// reader. All of them share one file offset (and each BufReader prefetches
// a whole block), so workers skip or repeat records and the parent's count
// is wrong (shared_file_offset at the worker's read). The banner
// `print!` leaves a partial line in stdout's buffer at the fork; each
// worker's `println!` flushes its copy and the parent's final line flushes
// the original, so the banner is printed once per process
// (unflushed_output_at_fork at the fork).
//
// Safe: the journal is opened with `append(true)` (every write lands at the
// end, atomically: a shared log is by design); `run_sharded` lets each
// worker open the spool again by path, and the parent alone rewinds the
// reader it opened before the fork; `checksum_split` reads with
// `FileExt::read_at` (positioned I/O, no offset) in both processes; every
// child leaves with `_exit`, and the parent flushes stdout before the
// forks of `run_sharded` and `checksum_split`.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::process::Command;

use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{fork, ForkResult, Pid};

fn run_job(command: &str) -> bool {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn wait_all(pids: &[Pid]) -> usize {
    pids.iter()
        .filter(|&&pid| matches!(waitpid(pid, None), Ok(WaitStatus::Exited(_, 0))))
        .count()
}

pub fn run_batch(spool_path: &Path, journal_path: &Path, workers: usize) -> io::Result<()> {
    let mut spool = BufReader::new(File::open(spool_path)?);
    let mut header = String::new();
    spool.read_line(&mut header)?;
    let mut journal = OpenOptions::new().create(true).append(true).open(journal_path)?;

    print!("{}: {} workers: ", header.trim_end(), workers);
    let mut pids = Vec::new();
    for id in 0..workers {
        match unsafe { fork() }? { //~ unflushed_output_at_fork
            ForkResult::Child => {
                let mut record = String::new();
                let mut done = 0;
                while matches!(spool.read_line(&mut record), Ok(n) if n > 0) { //~ shared_file_offset
                    let ok = run_job(record.trim_end());
                    let _ = writeln!(journal, "worker {id}: {} -> {ok}", record.trim_end());
                    done += usize::from(ok);
                    record.clear();
                }
                println!("worker {id}: {done} jobs");
                unsafe { libc::_exit(0) };
            }
            ForkResult::Parent { child } => pids.push(child),
        }
    }

    let finished = wait_all(&pids);
    let left = spool.lines().count();
    writeln!(journal, "batch done: {finished}/{workers} workers, {left} records left")?;
    println!("{finished} workers finished, {left} records left");
    Ok(())
}

fn run_shard(spool: BufReader<File>, id: usize, workers: usize) -> i32 {
    let mut failed = 0;
    for (n, line) in spool.lines().skip(1).enumerate() {
        let Ok(command) = line else { return 2 };
        if n % workers == id && !run_job(&command) {
            failed += 1;
        }
    }
    i32::from(failed > 0)
}

pub fn run_sharded(spool_path: &Path, workers: usize) -> io::Result<usize> {
    let mut spool = BufReader::new(File::open(spool_path)?);
    let mut header = String::new();
    spool.read_line(&mut header)?;
    io::stdout().flush()?;

    let mut pids = Vec::new();
    for id in 0..workers {
        match unsafe { fork() }? {
            ForkResult::Child => {
                let code = match File::open(spool_path) {
                    Ok(own) => run_shard(BufReader::new(own), id, workers),
                    Err(_) => 2,
                };
                unsafe { libc::_exit(code) };
            }
            ForkResult::Parent { child } => pids.push(child),
        }
    }
    let finished = wait_all(&pids);

    spool.rewind()?;
    let mut again = String::new();
    spool.read_line(&mut again)?;
    if again != header {
        return Err(io::Error::other("spool header changed during the batch"));
    }
    Ok(finished)
}

fn sum(bytes: &[u8]) -> u64 {
    bytes.iter().map(|&b| u64::from(b)).sum()
}

/// Checksums the two halves of a file in two processes.
pub fn checksum_split(path: &Path) -> io::Result<u64> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let half = len / 2;
    io::stdout().flush()?;

    let (mut rd, mut wr) = std::io::pipe()?;
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(rd);
            let mut buf = vec![0u8; (len - half) as usize];
            let code = match file.read_exact_at(&mut buf, half) {
                Ok(()) => {
                    let total = sum(&buf).to_le_bytes();
                    i32::from(wr.write_all(&total).is_err())
                }
                Err(_) => 1,
            };
            unsafe { libc::_exit(code) };
        }
        ForkResult::Parent { child } => {
            drop(wr);
            let mut buf = vec![0u8; half as usize];
            file.read_exact_at(&mut buf, 0)?;
            let mut other = [0u8; 8];
            rd.read_exact(&mut other)?;
            waitpid(child, None)?;
            Ok(sum(&buf) + u64::from_le_bytes(other))
        }
    }
}

fn main() -> io::Result<()> {
    let spool = Path::new("/var/spool/jobs/batch.txt");
    run_batch(spool, Path::new("/var/spool/jobs/journal.log"), 4)?;
    let finished = run_sharded(spool, 4)?;
    println!("sharded run: {finished} workers finished");
    println!("spool checksum {}", checksum_split(spool)?);
    Ok(())
}
