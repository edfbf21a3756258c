//! The remote API's `tree=` parameter (Stapler's `NamedPathPruner`): a comma list of names,
//! sub-trees in `[...]`, an optional range `{M,N}` / `{M,}` / `{,N}` / `{N}` on arrays.

use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Node {
    pub name: String,
    /// `None`: named without sub-fields (an object then answers `{}` plus `_class`).
    pub children: Option<Vec<Node>>,
    pub range: Option<Range>,
}

/// Elements `start` (inclusive) to `end` (exclusive); open ends are `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range {
    pub start: Option<usize>,
    pub end: Option<usize>,
}

impl Range {
    /// The slice bounds for an array of `len` elements, clamped.
    pub fn bounds(&self, len: usize) -> (usize, usize) {
        let start = self.start.unwrap_or(0).min(len);
        let end = self.end.unwrap_or(len).min(len).max(start);
        (start, end)
    }
}

pub(crate) fn parse(text: &str) -> Result<Vec<Node>, String> {
    let mut parser = Parser {
        text: text.as_bytes(),
        at: 0,
    };
    let nodes = parser.list()?;
    parser.blank();
    if parser.at != parser.text.len() {
        return Err(format!(
            "unexpected '{}' at {}",
            char::from(parser.text[parser.at]),
            parser.at
        ));
    }
    Ok(nodes)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn blank(&mut self) {
        while self.text.get(self.at).is_some_and(u8::is_ascii_whitespace) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.blank();
        if self.text.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn list(&mut self) -> Result<Vec<Node>, String> {
        let mut nodes = Vec::new();
        loop {
            let name = self.name()?;
            let children = if self.eat(b'[') {
                let children = self.list()?;
                if !self.eat(b']') {
                    return Err(format!("missing ']' at {}", self.at));
                }
                Some(children)
            } else {
                None
            };
            let range = if self.eat(b'{') { Some(self.range()?) } else { None };
            nodes.push(Node {
                name,
                children,
                range,
            });
            if !self.eat(b',') {
                return Ok(nodes);
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        self.blank();
        let start = self.at;
        while self
            .text
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'-'))
        {
            self.at += 1;
        }
        if start == self.at {
            return Err(format!("expected a property name at {start}"));
        }
        Ok(String::from_utf8_lossy(&self.text[start..self.at]).into_owned())
    }

    fn number(&mut self) -> Result<Option<usize>, String> {
        self.blank();
        let start = self.at;
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        if start == self.at {
            return Ok(None);
        }
        String::from_utf8_lossy(&self.text[start..self.at])
            .parse()
            .map(Some)
            .map_err(|_| format!("bad range number at {start}"))
    }

    /// After `{`: `M,N}`, `M,}`, `,N}` or `N}`.
    fn range(&mut self) -> Result<Range, String> {
        let start = self.number()?;
        let range = if self.eat(b',') {
            Range {
                start,
                end: self.number()?,
            }
        } else {
            let single = start.ok_or_else(|| format!("empty range at {}", self.at))?;
            Range {
                start: Some(single),
                end: Some(single.saturating_add(1)),
            }
        };
        if !self.eat(b'}') {
            return Err(format!("missing '}}' at {}", self.at));
        }
        Ok(range)
    }
}

/// Keeps only the named keys (plus `_class`) of objects, element-wise through arrays.
pub(crate) fn filter(value: &Value, nodes: &[Node]) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            if let Some(class) = map.get("_class") {
                out.insert("_class".into(), class.clone());
            }
            for node in nodes {
                if let Some(child) = map.get(&node.name) {
                    out.insert(node.name.clone(), apply(child, node));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|item| filter(item, nodes)).collect()),
        scalar => scalar.clone(),
    }
}

/// One named property: the range cuts an array first, then the sub-tree filters.
fn apply(value: &Value, node: &Node) -> Value {
    let children = node.children.as_deref().unwrap_or(&[]);
    match (value, node.range) {
        (Value::Array(items), Some(range)) => {
            let (start, end) = range.bounds(items.len());
            Value::Array(
                items[start..end]
                    .iter()
                    .map(|item| filter(item, children))
                    .collect(),
            )
        }
        _ => filter(value, children),
    }
}

/// The top-level node called `name`, if the tree asks for it.
pub(crate) fn find<'a>(nodes: &'a [Node], name: &str) -> Option<&'a Node> {
    nodes.iter().find(|n| n.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_nested_lists_and_ranges() {
        let nodes =
            parse("name, allBuilds[number,actions[causes[userId]]]{0,25},builds{3},jobs{,2},x{5,}").unwrap();
        assert_eq!(nodes.len(), 5);
        assert_eq!(
            nodes[1].range,
            Some(Range {
                start: Some(0),
                end: Some(25)
            })
        );
        assert_eq!(nodes[1].children.as_ref().unwrap()[1].name, "actions");
        assert_eq!(
            nodes[2].range,
            Some(Range {
                start: Some(3),
                end: Some(4)
            })
        );
        assert_eq!(
            nodes[3].range,
            Some(Range {
                start: None,
                end: Some(2)
            })
        );
        assert_eq!(
            nodes[4].range,
            Some(Range {
                start: Some(5),
                end: None
            })
        );
        for bad in ["", "a[b", "a]", "a,,b", "a{}", "a{x}", "a[b]]", "a.b"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_like_stapler() {
        let value = json!({
            "_class": "J", "name": "app", "secret": 1,
            "primaryView": {"_class": "V", "name": "All"},
            "builds": [{"_class": "B", "number": 3, "result": "SUCCESS"}, {"_class": "B", "number": 2}, {"number": 1}],
        });
        let tree = parse("name,primaryView,builds[number]{1,},missing").unwrap();
        assert_eq!(
            filter(&value, &tree),
            json!({"_class": "J", "name": "app", "primaryView": {"_class": "V"},
                   "builds": [{"_class": "B", "number": 2}, {"number": 1}]})
        );
    }
}
