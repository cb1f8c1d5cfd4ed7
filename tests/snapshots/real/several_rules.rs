// Input of tests/formats.rs: a program with findings of several rules, linted
// by the real analysis to snapshot every output format. Not built.
use std::sync::Mutex;
use std::thread;

use nix::unistd::{fork, ForkResult};

static STATE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static mut COUNTER: u32 = 0;

fn main() {
    let worker = thread::spawn(|| loop {
        STATE.lock().unwrap().push(1);
    });
    let guard = STATE.lock().unwrap();
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            println!("child sees {} items", guard.len());
            let s = STATE.lock().unwrap();
            unsafe { COUNTER += 1 };
            drop(s);
            std::process::exit(0);
        }
        Ok(ForkResult::Parent { .. }) => {
            drop(guard);
            println!("counter {}", unsafe { COUNTER });
        }
        Err(e) => panic!("fork: {e}"),
    }
    let _ = worker;
}
