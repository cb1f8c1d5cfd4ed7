//! Statics: what a function reads and writes of them (for a re-executed
//! child, which starts them afresh), and assignments a child makes.

use super::*;

impl Walker<'_> {
    pub(in crate::analysis::flow) fn child_assign(&mut self, state: &State, target: &str, span: Span) {
        if let Some(ctx) = state.in_child_branch() {
            if !ctx.execed {
                self.facts.forks[ctx.idx].child.push(ChildEvent::Assign {
                    target: target.to_string(),
                    span,
                });
            }
        }
    }

    pub(in crate::analysis::flow) fn global_write(&mut self, state: &State, name: &str, span: Span) {
        let in_role = self.unit.in_role_branch > 0;
        self.unit
            .scratch
            .statics
            .writes
            .push((name.to_string(), span.clone(), in_role));
        if let Some(ctx) = state.in_child_branch() {
            self.facts.forks[ctx.idx].child.push(ChildEvent::GlobalWrite {
                name: name.to_string(),
                span,
            });
        }
    }

    pub(in crate::analysis::flow) fn global_read(&mut self, state: &State, name: &str, span: Span) {
        self.unit
            .scratch
            .statics
            .reads
            .push((name.to_string(), span.clone()));
        if let Some(ctx) = state.in_parent() {
            if ctx.procs & CHILD == 0 {
                self.facts.forks[ctx.idx]
                    .parent_reads
                    .push((name.to_string(), span));
            }
        }
    }
}

impl Walker<'_> {
    /// A method on a value rooted at a static: a writing method is a write
    /// (the path itself was recorded as a read where it was evaluated).
    pub(in crate::analysis::flow) fn statics_on_method(&mut self, ev: &MethodCall, state: &State) {
        if let Some(name) = &ev.recv.static_root {
            if self.knowledge.mutates(ev.method)
                || (self.knowledge.closure_access_methods.contains_key(ev.method)
                    && self.closure_writes(&ev.call.args))
            {
                self.global_write(state, name, ev.span.clone());
            }
        }
    }
}

/// What the walk of one function keeps about statics.
#[derive(Default)]
pub(in crate::analysis::flow) struct StaticScratch {
    pub(in crate::analysis::flow) reads: Vec<(String, Span)>,
    /// Writes, with whether they happen inside a role switch's branch.
    pub(in crate::analysis::flow) writes: Vec<(String, Span, bool)>,
}
