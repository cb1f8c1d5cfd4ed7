//! Locks: the guards live on a path (what a fork made here copies held),
//! and which locks a function takes.

use super::*;

#[derive(Debug, Clone)]
pub(in crate::analysis::flow) struct LiveGuard {
    pub(in crate::analysis::flow) id: usize,
    pub(in crate::analysis::flow) fact: GuardFact,
    /// Variable (or `self.field`) holding it; `None` while a temporary.
    pub(in crate::analysis::flow) binding: Option<String>,
    pub(in crate::analysis::flow) depth: usize,
}

impl Lattice for Vec<LiveGuard> {
    fn join(&mut self, other: Self) {
        for g in other {
            if !self.iter().any(|h| h.id == g.id) {
                self.push(g);
            }
        }
    }

    fn same(&self, other: &Self) -> bool {
        self.iter().map(|g| g.id).eq(other.iter().map(|g| g.id))
    }
}
