//! GitHub Actions expressions (`${{ … }}`): found in scalars, split into
//! tokens, and reduced to the contexts they reference (`secrets.X`, `vars.X`,
//! `env.X`, `github.X`). The scan works on the expression's contents, never
//! on the raw file, so commented-out YAML and prose cannot produce refs.

use crate::facts::Source;

/// A `${{ … }}` in a string: byte range of the whole and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression<'a> {
    pub start: usize,
    pub end: usize,
    pub inner: &'a str,
}

/// Every `${{ … }}` in `text`, in order. An unclosed one ends the scan.
pub fn expressions(text: &str) -> Vec<Expression<'_>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text.get(from..).and_then(|t| t.find("${{")) {
        let start = from + open;
        let body = start + 3;
        let Some(close) = find_close(&text[body..]) else {
            break;
        };
        let end = body + close + 2;
        out.push(Expression {
            start,
            end,
            inner: &text[body..body + close],
        });
        from = end;
    }
    out
}

/// The `}}` closing an expression, skipping string literals (`'a}}b'`).
fn find_close(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut in_str = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => in_str = !in_str,
            b'}' if !in_str && bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token<'a> {
    Ident(&'a str),
    /// A single-quoted string literal, unescaped contents.
    Str(String),
    Dot,
    OpenBracket,
    CloseBracket,
    /// Any other operator or literal (`||`, `==`, `(`, numbers...).
    Other,
}

pub fn tokenize(expr: &str) -> Vec<Token<'_>> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'-')
            {
                i += 1;
            }
            out.push(Token::Ident(&expr[start..i]));
        } else if c == b'\'' {
            let mut value = String::new();
            i += 1;
            let mut start = i;
            loop {
                match bytes.get(i) {
                    None => {
                        value.push_str(&expr[start..]);
                        break;
                    }
                    Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => {
                        value.push_str(&expr[start..=i]);
                        i += 2;
                        start = i;
                    }
                    Some(b'\'') => {
                        value.push_str(&expr[start..i]);
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            out.push(Token::Str(value));
        } else {
            out.push(match c {
                b'.' => Token::Dot,
                b'[' => Token::OpenBracket,
                b']' => Token::CloseBracket,
                _ => Token::Other,
            });
            // Skip the rest of a multi-byte char.
            i += expr[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// The context properties an expression reads, in order: `secrets.X` and
/// `secrets['X']` both give `("secrets", "X")`. Only the four contexts that
/// carry env values are kept.
pub fn context_refs(expr: &str) -> Vec<(&'static str, String)> {
    let tokens = tokenize(expr);
    let mut out = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        let Token::Ident(name) = tok else { continue };
        // `x.secrets.y` is a property of something else, not the context.
        if i > 0 && tokens[i - 1] == Token::Dot {
            continue;
        }
        let context = match *name {
            "secrets" => "secrets",
            "vars" => "vars",
            "env" => "env",
            "github" => "github",
            _ => continue,
        };
        let property = match (tokens.get(i + 1), tokens.get(i + 2), tokens.get(i + 3)) {
            (Some(Token::Dot), Some(Token::Ident(p)), _) => Some(p.to_string()),
            (Some(Token::OpenBracket), Some(Token::Str(p)), Some(Token::CloseBracket)) => {
                Some(p.clone())
            }
            _ => None,
        };
        if let Some(p) = property {
            out.push((context, p));
        }
    }
    out
}

/// Where the value of an expression comes from: its first context
/// reference; a lone string literal is a literal; anything else (step
/// outputs, functions of nothing known) is unknown.
pub fn source_of(expr: &str) -> Source {
    if let Some((context, name)) = context_refs(expr).into_iter().next() {
        return match context {
            "secrets" => Source::Secret(name),
            "vars" => Source::Var(name),
            "env" => Source::Env(name),
            _ => Source::Github(name),
        };
    }
    match tokenize(expr).as_slice() {
        [Token::Str(_)] => Source::Literal,
        _ => Source::Unknown,
    }
}

/// Where a YAML value (an `env:` entry) comes from: the first expression in
/// it, else it is a literal.
pub fn source_of_value(value: &str) -> Source {
    match expressions(value).first() {
        Some(e) => source_of(e.inner),
        None => Source::Literal,
    }
}

/// Prefix of the words that stand for expressions in a script handed to the
/// shell parser: `_ET<n>_`, padded with `_` to the expression's length so
/// columns stay put.
pub const PLACEHOLDER_PREFIX: &str = "_ET";

/// Replace every `${{ … }}` with a placeholder word, returning the new text
/// and each placeholder's source by index. Newlines inside an expression are
/// kept after the placeholder so rows stay right.
pub fn substitute(text: &str) -> (String, Vec<Source>) {
    let exprs = expressions(text);
    if exprs.is_empty() {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut sources = Vec::with_capacity(exprs.len());
    let mut last = 0;
    for e in exprs {
        out.push_str(&text[last..e.start]);
        let word = format!("{PLACEHOLDER_PREFIX}{}_", sources.len());
        let original = &text[e.start..e.end];
        let newlines = original.matches('\n').count();
        out.push_str(&word);
        let width = original.len() - newlines;
        for _ in word.len()..width {
            out.push('_');
        }
        for _ in 0..newlines {
            out.push('\n');
        }
        sources.push(source_of(e.inner));
        last = e.end;
    }
    out.push_str(&text[last..]);
    (out, sources)
}

/// The placeholder indices in a shell word, in order.
pub fn placeholders(word: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find(PLACEHOLDER_PREFIX) {
        let after = &rest[at + PLACEHOLDER_PREFIX.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0
            && after.as_bytes().get(digits) == Some(&b'_')
            && let Ok(n) = after[..digits].parse()
        {
            out.push(n);
        }
        rest = &after[digits..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_secrets_in_every_spelling() {
        let refs = |s: &str| -> Vec<String> {
            expressions(s)
                .iter()
                .flat_map(|e| context_refs(e.inner))
                .filter(|(c, _)| *c == "secrets")
                .map(|(_, n)| n)
                .collect()
        };
        assert_eq!(refs("${{secrets.X}}"), ["X"]);
        assert_eq!(refs("a ${{ secrets.A || secrets.B }} b"), ["A", "B"]);
        assert_eq!(refs("${{ secrets.X || 'default' }}"), ["X"]);
        assert_eq!(refs("${{ secrets['MY_KEY'] }}"), ["MY_KEY"]);
        assert_eq!(refs("${{ format('{0}}}', secrets.Y) }}"), ["Y"]);
        assert!(refs("secrets.NOT_IN_EXPR ${{ steps.secrets.outputs.x }}").is_empty());
    }

    #[test]
    fn sources() {
        assert_eq!(source_of(" secrets.K "), Source::Secret("K".into()));
        assert_eq!(source_of("vars.V"), Source::Var("V".into()));
        assert_eq!(source_of("github.sha"), Source::Github("sha".into()));
        assert_eq!(source_of("'x'"), Source::Literal);
        assert_eq!(source_of("steps.a.outputs.b"), Source::Unknown);
        assert_eq!(source_of_value("plain"), Source::Literal);
    }

    #[test]
    fn expressions_are_found_with_their_ranges() {
        let text = "a ${{ x }} b ${{'}}' }}c ${{ open";
        let found = expressions(text);
        let ranges: Vec<_> = found.iter().map(|e| (e.start, e.end, e.inner)).collect();
        // A `}}` inside a string literal does not close; an unclosed one ends the scan.
        assert_eq!(ranges, [(2, 10, " x "), (13, 23, "'}}' ")]);
        assert_eq!(&text[2..10], "${{ x }}");
        assert!(expressions("no expression").is_empty());
        // A lone `}` is part of the expression, not its end.
        let inner: Vec<_> = expressions("${{ a }b }}").iter().map(|e| e.inner).collect();
        assert_eq!(inner, [" a }b "]);
    }

    #[test]
    fn tokens_as_the_expression_language_splits_them() {
        use Token::*;
        assert_eq!(
            tokenize("secrets['it''s'] == vars.my-var_2 || 'open"),
            [
                Ident("secrets"),
                OpenBracket,
                Str("it's".into()),
                CloseBracket,
                Other,
                Other,
                Ident("vars"),
                Dot,
                Ident("my-var_2"),
                Other,
                Other,
                Str("open".into()),
            ]
        );
        // A character of several bytes is one token, and scanning goes on after it.
        assert_eq!(tokenize("é_a"), [Other, Ident("_a")]);
        assert_eq!(tokenize("''"), [Str(String::new())]);
    }

    #[test]
    fn context_references_need_the_context_itself_and_a_property() {
        assert_eq!(
            context_refs("env.A && github['ref'] && vars.B && secrets && secrets[0]"),
            [
                ("env", "A".to_string()),
                ("github", "ref".to_string()),
                ("vars", "B".to_string())
            ]
        );
        // `secrets['K'` without its bracket is no reference.
        assert!(context_refs("secrets['K'").is_empty());
        assert!(context_refs("other.env.A").is_empty());
    }

    #[test]
    fn a_value_comes_from_its_first_expression() {
        assert_eq!(source_of("env.E"), Source::Env("E".into()));
        assert_eq!(source_of("'a' || 'b'"), Source::Unknown);
        assert_eq!(
            source_of_value("x-${{ vars.A }}-${{ secrets.B }}"),
            Source::Var("A".into())
        );
        assert_eq!(source_of_value("${{ 'lit' }}"), Source::Literal);
    }

    #[test]
    fn placeholders_are_whole_numbered_words() {
        assert_eq!(placeholders("_ET12_x_ET3_"), [12, 3]);
        // No digits, or digits without the closing `_`, are no placeholder.
        assert!(placeholders("_ETx_ _ET4 _ET").is_empty());
    }

    #[test]
    fn a_multiline_expression_keeps_its_rows_and_columns() {
        let text = "A=${{ secrets.A\n  || secrets.B }} B=${{ x }}\nC=1";
        let (out, sources) = substitute(text);
        assert_eq!(out.len(), text.len());
        // Each placeholder is as wide as its expression less its line breaks.
        let expected = format!("A=_ET0_{}\n B=_ET1_{}\nC=1", "_".repeat(25), "_".repeat(3));
        assert_eq!(out, expected);
        assert_eq!(sources, [Source::Secret("A".into()), Source::Unknown]);
        let (same, none) = substitute("plain text");
        assert_eq!((same.as_str(), none.len()), ("plain text", 0));
    }

    #[test]
    fn substitution_keeps_positions() {
        let text = "echo \"K=${{ secrets.K }}\" >> .env\nX=${{secrets.Y}}";
        let (out, sources) = substitute(text);
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), 2);
        assert_eq!(placeholders(&out), [0, 1]);
        assert_eq!(
            sources,
            [Source::Secret("K".into()), Source::Secret("Y".into())]
        );
    }
}
