//! SCIM filters (RFC 7644, section 3.4.2.2): parsed into a tree, then evaluated over a resource's
//! JSON. Attribute names compare case-insensitively, and so do string values, except for the
//! attributes the schema marks case-exact (`id`, `externalId`, `meta.version`).

use rolehub_domain::{quoted, Text};
use serde_json::Value;

/// A parsed filter.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    /// `attr op value`.
    Compare(String, Op, Value),
    /// `attr pr`.
    Present(String),
    /// `a and b`.
    And(Box<Filter>, Box<Filter>),
    /// `a or b`.
    Or(Box<Filter>, Box<Filter>),
    /// `not (a)`.
    Not(Box<Filter>),
    /// `attr[filter]`: some value of a multi-valued attribute matches the inner filter.
    ValuePath(String, Box<Filter>),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Contains.
    Co,
    /// Starts with.
    Sw,
    /// Ends with.
    Ew,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "co" => Op::Co,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokens(text: &str) -> Result<Vec<Token>, Text> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '[' => {
                out.push(Token::OpenBracket);
                i += 1;
            }
            ']' => {
                out.push(Token::CloseBracket);
                i += 1;
            }
            '"' => {
                // A JSON string, escapes and all.
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(Text::new(
                        "a string is not closed",
                        "een string is niet afgesloten",
                    ));
                }
                let literal: String = chars[start..=i].iter().collect();
                let value: String = serde_json::from_str(&literal).map_err(|_| {
                    Text::new(
                        format!("{literal} is not a valid string"),
                        format!("{literal} is geen geldige string"),
                    )
                })?;
                out.push(Token::Text(value));
                i += 1;
            }
            _ => {
                let start = i;
                while i < chars.len() && !" \t\n\r()[]\"".contains(chars[i]) {
                    i += 1;
                }
                out.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Filter, Text> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, Text> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, Text> {
        if self.keyword("not") {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.group()?)));
        }
        if self.peek() == Some(&Token::Open) {
            return self.group();
        }
        self.attribute_expression()
    }

    fn group(&mut self) -> Result<Filter, Text> {
        if self.next() != Some(Token::Open) {
            return Err(Text::new("expected `(`", "hier hoort “(”"));
        }
        let inner = self.or()?;
        if self.next() != Some(Token::Close) {
            return Err(Text::new("expected `)`", "hier hoort “)”"));
        }
        Ok(inner)
    }

    fn attribute_expression(&mut self) -> Result<Filter, Text> {
        let Some(Token::Word(path)) = self.next() else {
            return Err(Text::new(
                "expected an attribute name",
                "hier hoort de naam van een attribuut",
            ));
        };
        if !path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":._-$".contains(c))
        {
            return Err(Text::new(
                format!("`{path}` is not an attribute name"),
                format!("{} is geen naam van een attribuut", quoted(&path)),
            ));
        }
        if self.peek() == Some(&Token::OpenBracket) {
            self.at += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::CloseBracket) {
                return Err(Text::new("expected `]`", "hier hoort “]”"));
            }
            // `emails[type eq "work"].value eq …` is not in the grammar; a sub-attribute after the
            // brackets is refused rather than misread.
            return Ok(Filter::ValuePath(path, Box::new(inner)));
        }
        let Some(Token::Word(op)) = self.next() else {
            return Err(Text::new(
                format!("expected an operator after `{path}`"),
                format!("na {} hoort een operator", quoted(&path)),
            ));
        };
        if op.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let op = Op::parse(&op).ok_or_else(|| {
            Text::new(
                format!("`{op}` is not an operator"),
                format!("{} is geen operator", quoted(&op)),
            )
        })?;
        let value = match self.next() {
            Some(Token::Text(t)) => Value::String(t),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                number => serde_json::from_str::<serde_json::Number>(number)
                    .map(Value::Number)
                    .map_err(|_| {
                        Text::new(
                            format!("`{number}` is not a value"),
                            format!("{} is geen waarde", quoted(number)),
                        )
                    })?,
            },
            _ => {
                return Err(Text::new(
                    format!("expected a value after `{path}`"),
                    format!("na {} hoort een waarde", quoted(&path)),
                ))
            }
        };
        Ok(Filter::Compare(path, op, value))
    }
}

/// Parses a filter, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Filter, Text> {
    let mut parser = Parser {
        tokens: tokens(text)?,
        at: 0,
    };
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(Text::new(
            "unexpected text after the filter",
            "na het filter staat nog tekst",
        ));
    }
    Ok(filter)
}

/// The attribute names as the resource spells them: a schema URN prefix dropped, except that of
/// an extension, which names an object of the resource.
fn steps(path: &str) -> Vec<String> {
    for core in [
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "urn:ietf:params:scim:schemas:core:2.0:Group:",
    ] {
        if path.len() > core.len() && path[..core.len()].eq_ignore_ascii_case(core) {
            return path[core.len()..].split('.').map(str::to_string).collect();
        }
    }
    if path.starts_with("urn:") {
        if let Some(at) = path.rfind(':') {
            let (schema, rest) = (&path[..at], &path[at + 1..]);
            let mut out = vec![schema.to_string()];
            out.extend(rest.split('.').map(str::to_string));
            return out;
        }
    }
    path.split('.').map(str::to_string).collect()
}

/// A field of an object, its name compared case-insensitively.
pub fn field<'v>(object: &'v Value, name: &str) -> Option<&'v Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// Every value an attribute path reaches (multi-valued attributes flattened).
fn values<'v>(resource: &'v Value, steps: &[String]) -> Vec<&'v Value> {
    let mut current = vec![resource];
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            let items: Vec<&Value> = match v {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                if let Some(found) = field(item, step) {
                    next.push(found);
                }
            }
        }
        current = next;
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn case_exact(steps: &[String]) -> bool {
    let last = steps.last().map(String::as_str).unwrap_or_default();
    ["id", "externalId", "version"]
        .iter()
        .any(|n| n.eq_ignore_ascii_case(last))
}

fn compare(actual: &Value, op: Op, wanted: &Value, exact: bool) -> bool {
    match (actual, wanted) {
        (Value::String(a), Value::String(w)) => {
            let (a, w) = if exact {
                (a.clone(), w.clone())
            } else {
                (a.to_lowercase(), w.to_lowercase())
            };
            match op {
                Op::Eq => a == w,
                Op::Ne => a != w,
                Op::Co => a.contains(&w),
                Op::Sw => a.starts_with(&w),
                Op::Ew => a.ends_with(&w),
                Op::Gt => a > w,
                Op::Ge => a >= w,
                Op::Lt => a < w,
                Op::Le => a <= w,
            }
        }
        (Value::Bool(a), Value::Bool(w)) => match op {
            Op::Eq => a == w,
            Op::Ne => a != w,
            _ => false,
        },
        (Value::Number(a), Value::Number(w)) => {
            let (a, w) = (a.as_f64().unwrap_or(0.0), w.as_f64().unwrap_or(0.0));
            match op {
                Op::Eq => a == w,
                Op::Ne => a != w,
                Op::Gt => a > w,
                Op::Ge => a >= w,
                Op::Lt => a < w,
                Op::Le => a <= w,
                _ => false,
            }
        }
        (_, Value::Null) => match op {
            Op::Eq => actual.is_null(),
            Op::Ne => !actual.is_null(),
            _ => false,
        },
        _ => op == Op::Ne,
    }
}

/// Whether a resource matches a filter.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(a) => !matches(a, resource),
        Filter::Present(path) => values(resource, &steps(path)).iter().any(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => true,
        }),
        Filter::Compare(path, op, wanted) => {
            let steps = steps(path);
            let found = values(resource, &steps);
            if *op == Op::Ne {
                return found.is_empty() && !wanted.is_null()
                    || found
                        .iter()
                        .all(|v| compare(v, Op::Ne, wanted, case_exact(&steps)));
            }
            found
                .iter()
                .any(|v| compare(v, *op, wanted, case_exact(&steps)))
        }
        Filter::ValuePath(path, inner) => {
            let steps = steps(path);
            values(resource, &steps)
                .iter()
                .any(|item| matches(inner, item))
        }
    }
}

/// The value a filter requires of an attribute by equality at its top (`userName eq "x"`, alone
/// or in an `and`), so that a lookup can narrow the candidates before the filter is evaluated.
pub fn required_equal<'f>(filter: &'f Filter, attribute: &str) -> Option<&'f str> {
    match filter {
        Filter::Compare(path, Op::Eq, Value::String(v)) => {
            let steps = steps(path);
            let joined = steps.join(".");
            joined.eq_ignore_ascii_case(attribute).then_some(v.as_str())
        }
        Filter::And(a, b) => required_equal(a, attribute).or_else(|| required_equal(b, attribute)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "id": "Abc", "userName": "Ann.Smit@acme.example", "externalId": "E-1", "active": true,
            "name": {"givenName": "Ann", "familyName": "Smit"},
            "emails": [{"value": "ann.smit@acme.example", "type": "work", "primary": true}],
            "meta": {"lastModified": "2026-11-02T10:00:00.000Z"},
            "urn:scim:schemas:extension:cisco:webexidentity:2.0:User": {"userNameType": "email"}
        })
    }

    fn is(text: &str) -> bool {
        matches(&parse(text).unwrap(), &user())
    }

    #[test]
    fn every_operator_and_combination_evaluates() {
        assert!(
            is(r#"userName eq "ann.smit@ACME.example""#),
            "case-insensitive"
        );
        assert!(!is(r#"externalId eq "e-1""#), "externalId is case-exact");
        assert!(is(r#"externalId eq "E-1""#));
        assert!(is(r#"emails.value co "smit""#));
        assert!(is(r#"name.familyName sw "sm" and name.givenName ew "nn""#));
        assert!(is(r#"emails[type eq "work" and primary eq true]"#));
        assert!(is(r#"active eq true or userName eq "x""#));
        assert!(is(r#"not (active eq false)"#));
        assert!(is(r#"title pr or externalId pr"#));
        assert!(!is("title pr"));
        assert!(is(r#"meta.lastModified gt "2026-11-01T00:00:00.000Z""#));
        assert!(!is(r#"meta.lastModified lt "2026-11-01T00:00:00.000Z""#));
        assert!(is(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ann""#
        ));
        assert!(is(
            r#"urn:scim:schemas:extension:cisco:webexidentity:2.0:User:userNameType eq "email""#
        ));
        assert!(is(r#"userName ne "bob@acme.example""#));
        assert!(is(
            r#"(userName eq "x" or userName sw "ann") and active eq true"#
        ));
        assert!(
            is(r#"USERNAME EQ "ann.smit@acme.example""#),
            "keywords in any case"
        );
    }

    #[test]
    fn malformed_filters_say_what_is_wrong() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName xx "a""#,
            r#"userName eq "a"#,
            r#"(userName eq "a""#,
            r#"userName eq "a" and"#,
            r#"emails[type eq "work""#,
            r#"userName eq "a" extra"#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was taken");
        }
    }

    #[test]
    fn a_lookup_key_is_found_at_the_top_only() {
        let f = parse(r#"userName eq "A@b.c" and active eq true"#).unwrap();
        assert_eq!(required_equal(&f, "userName"), Some("A@b.c"));
        let f = parse(r#"userName eq "A@b.c" or active eq true"#).unwrap();
        assert_eq!(required_equal(&f, "userName"), None);
    }
}
