//! Where a syntax node starts and ends, read from its structure.
//!
//! syn's `Spanned::span` prints the node back into tokens to find its first
//! and last one: a copy of the whole subtree, for every call, statement and
//! `let` the walk records. Most nodes know their ends directly (a call ends
//! at its closing parenthesis, a path at its last segment); the rare ones
//! that do not (a cast's type, generic arguments, attributes) fall back to
//! `Spanned`, so the range is always the same as syn's.

use proc_macro2::{Ident, Span};
use syn::{Expr, Member, UnOp};

/// The first and last token of a node, when its structure tells them.
pub trait Located {
    fn ends(&self) -> Option<(Span, Span)>;
}

impl Located for Expr {
    fn ends(&self) -> Option<(Span, Span)> {
        Some((first(self)?, last(self)?))
    }
}

impl Located for Box<Expr> {
    fn ends(&self) -> Option<(Span, Span)> {
        (**self).ends()
    }
}

impl Located for syn::ExprCall {
    fn ends(&self) -> Option<(Span, Span)> {
        if !self.attrs.is_empty() {
            return None;
        }
        Some((first(&self.func)?, self.paren_token.span.close()))
    }
}

impl Located for syn::ExprMethodCall {
    fn ends(&self) -> Option<(Span, Span)> {
        if !self.attrs.is_empty() {
            return None;
        }
        Some((first(&self.receiver)?, self.paren_token.span.close()))
    }
}

impl Located for syn::Macro {
    fn ends(&self) -> Option<(Span, Span)> {
        Some((path_first(&self.path)?, self.delimiter.span().close()))
    }
}

impl Located for Ident {
    fn ends(&self) -> Option<(Span, Span)> {
        Some((self.span(), self.span()))
    }
}

impl Located for syn::ExprPath {
    fn ends(&self) -> Option<(Span, Span)> {
        if !self.attrs.is_empty() || self.qself.is_some() {
            return None;
        }
        Some((path_first(&self.path)?, path_last(&self.path)?))
    }
}

/// Nodes that are rare enough to take `Spanned`'s way.
macro_rules! located_by_spanned {
    ($($t:ty),*) => {
        $(impl Located for $t {
            fn ends(&self) -> Option<(Span, Span)> {
                None
            }
        })*
    };
}
located_by_spanned!(
    syn::ExprReturn,
    syn::ExprBreak,
    syn::ExprContinue,
    syn::ExprBinary,
    syn::ExprAssign,
    syn::ExprIf,
    syn::ExprIndex,
    syn::Receiver,
    syn::Token![?]
);

fn path_first(p: &syn::Path) -> Option<Span> {
    match &p.leading_colon {
        Some(c) => Some(c.spans[0]),
        None => p.segments.first().map(|s| s.ident.span()),
    }
}

/// The last segment's name, unless generic arguments follow it.
fn path_last(p: &syn::Path) -> Option<Span> {
    let seg = p.segments.last()?;
    seg.arguments.is_none().then(|| seg.ident.span())
}

fn label_or(label: &Option<syn::Label>, otherwise: Span) -> Span {
    label.as_ref().map_or(otherwise, |l| l.name.apostrophe)
}

fn first(e: &Expr) -> Option<Span> {
    // Outer attributes come first, and whatever is unusual: ask syn.
    if has_attrs(e) {
        return None;
    }
    Some(match e {
        Expr::Array(x) => x.bracket_token.span.open(),
        Expr::Assign(x) => first(&x.left)?,
        Expr::Await(x) => first(&x.base)?,
        Expr::Binary(x) => first(&x.left)?,
        Expr::Block(x) => label_or(&x.label, x.block.brace_token.span.open()),
        Expr::Break(x) => x.break_token.span,
        Expr::Call(x) => first(&x.func)?,
        Expr::Cast(x) => first(&x.expr)?,
        Expr::Continue(x) => x.continue_token.span,
        Expr::Field(x) => first(&x.base)?,
        Expr::ForLoop(x) => label_or(&x.label, x.for_token.span),
        Expr::If(x) => x.if_token.span,
        Expr::Index(x) => first(&x.expr)?,
        Expr::Let(x) => x.let_token.span,
        Expr::Lit(x) => x.lit.span(),
        Expr::Loop(x) => label_or(&x.label, x.loop_token.span),
        Expr::Macro(x) => path_first(&x.mac.path)?,
        Expr::Match(x) => x.match_token.span,
        Expr::MethodCall(x) => first(&x.receiver)?,
        Expr::Paren(x) => x.paren_token.span.open(),
        Expr::Path(x) if x.qself.is_none() => path_first(&x.path)?,
        Expr::Reference(x) => x.and_token.spans[0],
        Expr::Repeat(x) => x.bracket_token.span.open(),
        Expr::Return(x) => x.return_token.span,
        Expr::Struct(x) if x.qself.is_none() => path_first(&x.path)?,
        Expr::Try(x) => first(&x.expr)?,
        Expr::Tuple(x) => x.paren_token.span.open(),
        Expr::Unary(x) => match &x.op {
            UnOp::Deref(t) => t.spans[0],
            UnOp::Not(t) => t.spans[0],
            UnOp::Neg(t) => t.spans[0],
            _ => return None,
        },
        Expr::Unsafe(x) => x.unsafe_token.span,
        Expr::While(x) => label_or(&x.label, x.while_token.span),
        _ => return None,
    })
}

fn last(e: &Expr) -> Option<Span> {
    Some(match e {
        Expr::Array(x) => x.bracket_token.span.close(),
        Expr::Assign(x) => last(&x.right)?,
        Expr::Await(x) => x.await_token.span,
        Expr::Binary(x) => last(&x.right)?,
        Expr::Block(x) => x.block.brace_token.span.close(),
        Expr::Break(x) => match (&x.expr, &x.label) {
            (Some(e), _) => last(e)?,
            (None, Some(l)) => l.ident.span(),
            (None, None) => x.break_token.span,
        },
        Expr::Call(x) => x.paren_token.span.close(),
        Expr::Continue(x) => x.label.as_ref().map_or(x.continue_token.span, |l| l.ident.span()),
        Expr::Field(x) => match &x.member {
            Member::Named(i) => i.span(),
            Member::Unnamed(i) => i.span,
        },
        Expr::ForLoop(x) => x.body.brace_token.span.close(),
        Expr::If(x) => match &x.else_branch {
            Some((_, e)) => last(e)?,
            None => x.then_branch.brace_token.span.close(),
        },
        Expr::Index(x) => x.bracket_token.span.close(),
        Expr::Let(x) => last(&x.expr)?,
        Expr::Lit(x) => x.lit.span(),
        Expr::Loop(x) => x.body.brace_token.span.close(),
        Expr::Macro(x) => x.mac.delimiter.span().close(),
        Expr::Match(x) => x.brace_token.span.close(),
        Expr::MethodCall(x) => x.paren_token.span.close(),
        Expr::Paren(x) => x.paren_token.span.close(),
        Expr::Path(x) if x.qself.is_none() => path_last(&x.path)?,
        Expr::Reference(x) => last(&x.expr)?,
        Expr::Repeat(x) => x.bracket_token.span.close(),
        Expr::Return(x) => match &x.expr {
            Some(e) => last(e)?,
            None => x.return_token.span,
        },
        Expr::Struct(x) => x.brace_token.span.close(),
        Expr::Try(x) => x.question_token.spans[0],
        Expr::Tuple(x) => x.paren_token.span.close(),
        Expr::Unary(x) => last(&x.expr)?,
        Expr::Unsafe(x) => x.block.brace_token.span.close(),
        Expr::While(x) => x.body.brace_token.span.close(),
        _ => return None,
    })
}

fn has_attrs(e: &Expr) -> bool {
    let attrs = match e {
        Expr::Array(x) => &x.attrs,
        Expr::Assign(x) => &x.attrs,
        Expr::Await(x) => &x.attrs,
        Expr::Binary(x) => &x.attrs,
        Expr::Block(x) => &x.attrs,
        Expr::Break(x) => &x.attrs,
        Expr::Call(x) => &x.attrs,
        Expr::Cast(x) => &x.attrs,
        Expr::Continue(x) => &x.attrs,
        Expr::Field(x) => &x.attrs,
        Expr::ForLoop(x) => &x.attrs,
        Expr::If(x) => &x.attrs,
        Expr::Index(x) => &x.attrs,
        Expr::Let(x) => &x.attrs,
        Expr::Lit(x) => &x.attrs,
        Expr::Loop(x) => &x.attrs,
        Expr::Macro(x) => &x.attrs,
        Expr::Match(x) => &x.attrs,
        Expr::MethodCall(x) => &x.attrs,
        Expr::Paren(x) => &x.attrs,
        Expr::Path(x) => &x.attrs,
        Expr::Reference(x) => &x.attrs,
        Expr::Repeat(x) => &x.attrs,
        Expr::Return(x) => &x.attrs,
        Expr::Struct(x) => &x.attrs,
        Expr::Try(x) => &x.attrs,
        Expr::Tuple(x) => &x.attrs,
        Expr::Unary(x) => &x.attrs,
        Expr::Unsafe(x) => &x.attrs,
        Expr::While(x) => &x.attrs,
        _ => return true,
    };
    !attrs.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::spanned::Spanned;

    /// Every expression of a file: its structural range equals syn's.
    #[test]
    fn ranges_match_syns_on_every_expression_kind() {
        let src = r#"
            fn f() {
                let a = [1, 2];
                x = y + z * 2;
                async { 1 }.await;
                'l: { break 'l 3 }
                loop { break }
                for i in 0..n { continue 'o; }
                while c { g() }
                if a { b } else if c { d } else { e }
                let v = v[0].field.0 as u8;
                let r = &mut *p;
                let t = (a, -b, !c);
                let s = S { a: 1 };
                let m = match x { _ => 1 };
                let q = x.method::<u8>(1)?;
                let p = <T as U>::f;
                let g = Vec::<u8>::new;
                let u = unsafe { h() };
                let mac = format!("{}", 1);
                let rep = [0u8; 4];
                let cl = move |x| x + 1;
                let rng = ..;
                let lt = if let Some(x) = y { x } else { z };
                return Some(1);
            }
        "#;
        let file: syn::File = syn::parse_str(src).unwrap();
        let mut checked = 0;
        struct V<'a>(&'a mut usize);
        impl<'ast> syn::visit::Visit<'ast> for V<'_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                if let Some((a, b)) = e.ends() {
                    let want = e.span().byte_range();
                    assert_eq!(a.byte_range().start..b.byte_range().end, want, "{e:?}");
                    *self.0 += 1;
                }
                syn::visit::visit_expr(self, e);
            }
            fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                let (a, b) = c.ends().unwrap();
                assert_eq!(a.byte_range().start..b.byte_range().end, c.span().byte_range());
                syn::visit::visit_expr_call(self, c);
            }
            fn visit_expr_method_call(&mut self, c: &'ast syn::ExprMethodCall) {
                let (a, b) = c.ends().unwrap();
                assert_eq!(a.byte_range().start..b.byte_range().end, c.span().byte_range());
                syn::visit::visit_expr_method_call(self, c);
            }
            fn visit_macro(&mut self, m: &'ast syn::Macro) {
                let (a, b) = m.ends().unwrap();
                assert_eq!(a.byte_range().start..b.byte_range().end, m.span().byte_range());
            }
        }
        syn::visit::Visit::visit_file(&mut V(&mut checked), &file);
        assert!(checked > 60, "{checked}");
    }
}
