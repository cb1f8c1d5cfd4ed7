//! Patterns and literals: bindings, which processes a pattern on a fork result matches, and small syntax helpers.

use super::*;

/// The name a `let` pattern binds, and its declared type's name.
pub(super) fn pat_binding(pat: &Pat) -> (Option<String>, Option<String>) {
    match pat {
        // `let Some(x) = ..`, `let Ok(x) = .. else { .. }`
        Pat::TupleStruct(t) if t.elems.len() == 1 => pat_binding(&t.elems[0]),
        Pat::Ident(i) => (Some(i.ident.to_string()), None),
        Pat::Type(t) => (pat_binding(&t.pat).0, type_name(&t.ty)),
        Pat::Wild(_) => (Some("_".into()), None),
        Pat::Reference(r) => pat_binding(&r.pat),
        _ => (None, None),
    }
}

pub(super) trait PatTypeHint {
    fn pat_type_hint(&self) -> Option<&syn::Type>;
}

impl PatTypeHint for syn::Local {
    fn pat_type_hint(&self) -> Option<&syn::Type> {
        match &self.pat {
            Pat::Type(t) => Some(&t.ty),
            _ => None,
        }
    }
}

/// Which processes match a pattern on a fork result.
pub(super) fn pat_procs(pat: &Pat, remaining: Procs, shape: ForkResultShape) -> Procs {
    let option = shape == ForkResultShape::OptionPid;
    let named = |name: &str| -> Option<Procs> {
        match name {
            "Child" => Some(CHILD),
            "Parent" => Some(PARENT),
            "Err" => Some(FAILED),
            // An `Option` of the pid: `None` is the child's.
            "None" if option => Some(CHILD),
            _ => None,
        }
    };
    let r = match pat {
        Pat::Wild(_) => remaining,
        Pat::Ident(i) => match &i.subpat {
            Some((_, sub)) => pat_procs(sub, remaining, shape),
            None => match named(&i.ident.to_string()) {
                Some(p) => p,
                None => remaining,
            },
        },
        Pat::Lit(l) => match int_lit(&Expr::Lit(l.clone())) {
            Some(0) => CHILD,
            Some(n) if n < 0 => FAILED,
            Some(_) => PARENT,
            None => 0,
        },
        Pat::Range(r) => {
            let lo = r.start.as_deref().and_then(int_lit);
            let hi = r.end.as_deref().and_then(int_lit);
            let mut p = 0;
            for (pid, bit) in [(0, CHILD), (1, PARENT), (-1, FAILED)] {
                let above = lo.is_none_or(|l| pid >= l);
                let below = hi.is_none_or(|h| match r.limits {
                    syn::RangeLimits::Closed(_) => pid <= h,
                    syn::RangeLimits::HalfOpen(_) => pid < h,
                });
                if above && below {
                    p |= bit;
                }
            }
            p
        }
        Pat::Or(o) => o
            .cases
            .iter()
            .fold(0, |acc, c| acc | pat_procs(c, remaining, shape)),
        Pat::Paren(p) => pat_procs(&p.pat, remaining, shape),
        Pat::Guard(g) => pat_procs(&g.pat, remaining, shape),
        Pat::Path(p) => p
            .path
            .segments
            .last()
            .and_then(|s| named(&s.ident.to_string()))
            .unwrap_or(remaining),
        Pat::Struct(s) => s
            .path
            .segments
            .last()
            .and_then(|s| named(&s.ident.to_string()))
            .unwrap_or(remaining),
        Pat::TupleStruct(t) => {
            let last = t
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            match last.as_str() {
                // `Some(pid)` of an `Option` of the pid: the parent's.
                "Some" if option => PARENT,
                "Ok" | "Some" => t.elems.first().map_or(remaining & !FAILED, |inner| {
                    pat_procs(inner, remaining & !FAILED, shape)
                }),
                "Err" | "None" => FAILED,
                other => named(other).unwrap_or(remaining),
            }
        }
        _ => remaining,
    };
    r & remaining
}

/// A pattern with a guard may not match: it removes nothing from the rest.
pub(super) fn guarded(pat: &Pat) -> Procs {
    if matches!(pat, Pat::Guard(_)) {
        ALL
    } else {
        0
    }
}

pub(super) fn int_lit(e: &Expr) -> Option<i64> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Int(i) => i.base10_parse().ok(),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => int_lit(&u.expr).map(|n| -n),
        Expr::Paren(p) => int_lit(&p.expr),
        Expr::Group(g) => int_lit(&g.expr),
        _ => None,
    }
}

pub(super) fn path_ident(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.path.segments.len() == 1 => Some(p.path.segments[0].ident.to_string()),
        _ => None,
    }
}

pub(super) fn path_last(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `+=`, `|=`, ... (not the comparisons `==`, `<=`, ...).
pub(super) fn is_compound_assign(op: &syn::BinOp) -> bool {
    use syn::BinOp::*;
    matches!(
        op,
        AddAssign(_)
            | SubAssign(_)
            | MulAssign(_)
            | DivAssign(_)
            | RemAssign(_)
            | BitXorAssign(_)
            | BitAndAssign(_)
            | BitOrAssign(_)
            | ShlAssign(_)
            | ShrAssign(_)
    )
}

/// The value of a string (or byte string) literal.
pub(super) fn str_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::ByteStr(b) => Some(String::from_utf8_lossy(&b.value()).into_owned()),
            _ => None,
        },
        Expr::Reference(r) => str_lit(&r.expr),
        _ => None,
    }
}

pub(super) fn display_path(segs: &[String]) -> String {
    let n = segs.len();
    if n >= 2 {
        path_key(&segs[n - 2], &segs[n - 1])
    } else {
        segs.join("::")
    }
}

/// `Err(..)` (also `Err(_) | ..` alternatives all of that kind): the arm of
/// a failed call.
pub(super) fn is_err_pat(pat: &Pat) -> bool {
    match pat {
        Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        Pat::Or(o) => o.cases.iter().all(is_err_pat),
        _ => false,
    }
}

/// Does a condition test for a failed call? `Some(true)`: its `then`
/// branch is the error path (`if let Err(..) = ..`, `ret < 0`,
/// `ret == -1`, `ret != 0` on a call's value, `.is_err()`); `Some(false)`:
/// its `else` is (`if let Ok(..) = ..`).
///
/// `nonzero_fails` says whether an expression (`unsafe` blocks stripped) is
/// the result of a call that returns 0 on success, so that `!= 0` is its
/// failure (`libc::ioctl(..)`, or `ret` after `let ret = libc::ioctl(..)`).
pub(super) fn error_test(
    cond: &Expr,
    nonzero_fails: &dyn Fn(&Expr) -> bool,
    knowledge: &Knowledge,
) -> Option<bool> {
    match cond {
        Expr::Paren(p) => error_test(&p.expr, nonzero_fails, knowledge),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            error_test(&u.expr, nonzero_fails, knowledge).map(|t| !t)
        }
        Expr::Let(l) => match &*l.pat {
            p if is_err_pat(p) => Some(true),
            Pat::TupleStruct(t) if t.path.segments.last().is_some_and(|s| s.ident == "Ok") => Some(false),
            _ => None,
        },
        // `ret.is_err()`, `ret.is_ok()` (rules/values.toml [result_tests]).
        Expr::MethodCall(m) => knowledge
            .result_tests
            .get(&m.method.to_string())
            .map(|t| t.failed),
        Expr::Binary(b) => {
            let rhs = int_lit(&b.right);
            // `!= 0` is a failure only for calls that return 0 on success
            // (`read` returns a count).
            let lhs_fails = nonzero_fails(strip_unsafe(&b.left));
            match b.op {
                syn::BinOp::Lt(_) if rhs == Some(0) => Some(true),
                syn::BinOp::Eq(_) if rhs == Some(-1) => Some(true),
                syn::BinOp::Ne(_) if rhs == Some(0) && lhs_fails => Some(true),
                _ => None,
            }
        }
        _ => None,
    }
}

/// `unsafe { e }` and `(e)` as `e`.
pub(super) fn strip_unsafe(e: &Expr) -> &Expr {
    match e {
        Expr::Unsafe(u) if u.block.stmts.len() == 1 => match &u.block.stmts[0] {
            syn::Stmt::Expr(inner, None) => strip_unsafe(inner),
            _ => e,
        },
        Expr::Paren(p) => strip_unsafe(&p.expr),
        _ => e,
    }
}

/// The variable a place starts from: `fd`, `fds[0]`, `fds.as_mut_ptr()`,
/// `&mut fds`, `pair.0`.
pub(super) fn place_root(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(_) => path_ident(e),
        Expr::Index(i) => place_root(&i.expr),
        Expr::Field(f) => place_root(&f.base),
        Expr::Reference(r) => place_root(&r.expr),
        Expr::Paren(p) => place_root(&p.expr),
        Expr::Cast(c) => place_root(&c.expr),
        Expr::MethodCall(m) if m.args.is_empty() => place_root(&m.receiver),
        _ => None,
    }
}

/// Every variable a pattern binds: `fd`, `(r, w)`, `Ok((r, w))`, `[a, b]`.
pub(super) fn pat_idents(pat: &Pat, out: &mut Vec<String>) {
    match pat {
        Pat::Ident(i) => {
            out.push(i.ident.to_string());
            if let Some((_, sub)) = &i.subpat {
                pat_idents(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_idents(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_idents(p, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| pat_idents(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| pat_idents(&f.pat, out)),
        Pat::Reference(r) => pat_idents(&r.pat, out),
        Pat::Type(t) => pat_idents(&t.pat, out),
        Pat::Paren(p) => pat_idents(&p.pat, out),
        _ => {}
    }
}
