//! Buffered output: which sink a write goes to, and when it is flushed.

use super::*;

impl Walker<'_> {
    /// Where writes to this expression end up buffered: stdout (line
    /// buffered), a `LineWriter`, or a `BufWriter` (fully buffered).
    pub(in crate::analysis::flow) fn sink_of(&self, target: &Expr, v: &Val) -> Option<(String, Buffering)> {
        let text = self.src(target);
        let ty = v.ty.as_deref().unwrap_or("");
        if text.ends_with("stdout()") || ty.ends_with("Stdout") || ty.ends_with("StdoutLock") {
            return Some(("stdout".into(), Buffering::Line));
        }
        let name = text
            .trim_start_matches("&mut")
            .trim_start_matches('&')
            .to_string();
        if ty.ends_with("BufWriter") {
            return Some((name, Buffering::Full));
        }
        if ty.ends_with("LineWriter") {
            return Some((name, Buffering::Line));
        }
        None
    }

    /// Output of `text` (when it is a literal) to `sink`; `ends_line`: a
    /// newline follows it whatever it is (println!, writeln!).
    pub(in crate::analysis::flow) fn note_output(
        &mut self,
        state: &mut State,
        sink: String,
        buffering: Buffering,
        text: Option<&str>,
        ends_line: bool,
        span: Span,
    ) {
        let has_newline = ends_line || text.is_some_and(|t| t.contains('\n'));
        let newline_at_end = ends_line || text.is_some_and(|t| t.ends_with('\n'));
        if buffering == Buffering::Line && has_newline {
            // A line-buffered writer flushes everything up to its last newline.
            state.slices.pending.retain(|p| p.sink != sink);
            self.note_flush(state);
        }
        if buffering == Buffering::Full || !newline_at_end {
            state.slices.pending.push(PendingOutput { span, sink });
        }
    }

    pub(in crate::analysis::flow) fn flushed(&mut self, state: &mut State, sink: &str) {
        state.slices.pending.retain(|p| p.sink != sink);
        self.note_flush(state);
    }

    /// The processes at this point flush their copy of userspace buffers
    /// (a line written, a flush, a normal exit).
    pub(in crate::analysis::flow) fn note_flush(&mut self, state: &State) {
        let Some(ctx) = state.slices.fork.filter(|_| state.live) else {
            return;
        };
        for (idx, procs, execed) in [(ctx.idx, ctx.procs, ctx.execed)]
            .into_iter()
            .chain(ctx.outer.map(|(i, p)| (i, p, false)))
        {
            let fork = &mut self.facts.forks[idx];
            if procs & CHILD != 0 && !execed {
                fork.child_flushes = true;
            }
            if procs & PARENT != 0 {
                fork.parent_flushes = true;
            }
        }
    }
}

impl Lattice for Vec<PendingOutput> {
    fn join(&mut self, other: Self) {
        super::union_by(self, other, |p| p.clone());
    }

    fn same(&self, other: &Self) -> bool {
        self == other
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::analysis::flow) enum Buffering {
    /// Flushed at each newline (stdout, `LineWriter`).
    Line,
    /// Flushed when full or asked (`BufWriter`).
    Full,
}

pub(in crate::analysis::flow) fn is_stdio(recv: &str) -> bool {
    recv.ends_with("stdout()") || recv.ends_with("stderr()") || recv == "stdout" || recv == "stderr"
}

impl Walker<'_> {
    /// A writer's method: output buffered, or flushed.
    pub(in crate::analysis::flow) fn output_on_method(&mut self, ev: &MethodCall, state: &mut State) {
        let writer_op = self.knowledge.writer_methods.get(ev.method).map(|w| w.op);
        if let Some((op, (sink, buffering))) =
            writer_op.and_then(|op| Some((op, self.sink_of(&ev.call.receiver, ev.recv)?)))
        {
            match op {
                WriterOp::Flush => self.flushed(state, &sink),
                WriterOp::Write => {
                    let text = ev.call.args.first().and_then(str_lit);
                    self.note_output(state, sink, buffering, text.as_deref(), false, ev.span.clone());
                }
            }
        }
    }
}

impl Walker<'_> {
    /// An output macro (rules/locks.toml [output_macros]): text that does
    /// not end in a newline stays in a line buffer.
    pub(in crate::analysis::flow) fn output_on_macro(
        &mut self,
        out: &crate::knowledge::OutputMacro,
        args: &[Expr],
        vals: &[Val],
        span: Span,
        state: &mut State,
    ) {
        let sink = match out.sink {
            MacroSink::Stdout => Some(("stdout".to_string(), Buffering::Line)),
            MacroSink::FirstArg => match (args.first(), vals.first()) {
                (Some(target), Some(v)) => self.sink_of(target, v),
                _ => None,
            },
        };
        if let Some((sink, buffering)) = sink {
            let text = args.get(out.text_arg).and_then(str_lit);
            self.note_output(state, sink, buffering, text.as_deref(), out.newline, span);
        }
    }
}
