//! The field path of a JSON parse error, read from the text itself: where
//! serde_json stopped (its line and column), which keys and indices lead
//! there. The browser build uses it instead of `serde_path_to_error` (a
//! second deserializer for every type, in the download), so its messages
//! name the field too: `producers[0].acks: unknown variant …`.

enum Frame {
    /// An object and the key whose value is being read (none between keys).
    Object {
        key: Option<String>,
        after_colon: bool,
    },
    /// An array and the index of the element being read.
    Array(usize),
}

/// The path (`faults[2].crash`) to where `line`/`column` (serde_json's,
/// 1-based, the column counted in bytes) falls in `text`.
pub fn path_at(text: &str, line: usize, column: usize) -> String {
    let offset = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + column;
    let bytes = &text.as_bytes()[..offset.min(text.len())];
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Frame::Object { key, after_colon }) = stack.last_mut()
                    && !*after_colon
                {
                    let end = i.min(bytes.len());
                    *key = Some(String::from_utf8_lossy(&bytes[start..end]).into_owned());
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                after_colon: false,
            }),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { after_colon, .. }) = stack.last_mut() {
                    *after_colon = true;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object { key, after_colon }) => {
                    *key = None;
                    *after_colon = false;
                }
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            // A key not yet followed by its value (an unknown field) is in
            // the path too, as serde_path_to_error has it.
            Frame::Object { key: Some(key), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object { .. } => break,
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    // Deeply nested input gives a path of hundreds of `[0]`s.
    if path.len() > 120 {
        path = format!("{}…", &path[..path.floor_char_boundary(120)]);
    }
    path
}

#[cfg(test)]
#[cfg(feature = "field-paths")]
mod tests {
    use super::path_at;
    use crate::scenario::{Scenario, ScenarioError};

    /// The path serde_path_to_error gives and the one read from the text.
    fn both(text: &str) -> (String, String) {
        let mut de = serde_json::Deserializer::from_str(text);
        let Err(error) = serde_path_to_error::deserialize::<_, Scenario>(&mut de) else {
            panic!("{text} was read");
        };
        let (line, column) = (error.inner().line(), error.inner().column());
        (
            ScenarioError::from_serde(error).path,
            path_at(text, line, column),
        )
    }

    #[test]
    fn paths_read_from_the_text_match_serde_path_to_error() {
        let base = r#""version": 1, "duration_ms": 5000, "system": "kafka", "brokers": 3"#;
        let cases = [
            r#""producers": [{"rate_per_s": 10, "acks": 2}]"#,
            r#""producers": [{"rate_per_s": 10, "idempotent": "yes"}]"#,
            r#""producers": [{"rate_per_s": 10}, {"rate_per_s": "x"}]"#,
            r#""producers": [{"rate_per_s": 10, "bogus": 1}]"#,
            r#""producers": [{"acks": "all"}]"#,
            r#""bogus": 1"#,
            r#""faults": [{"at_ms": 1, "crash": "b1"}, {"at_ms": "x"}]"#,
            r#""faults": [{"at_ms": 1, "slow_link": {"between": ["b1", 2], "latency_ms": 5}}]"#,
            r#""faults": [{"at_ms": 1, "partition": [["b1"], ["b2", {"x": 1}]]}]"#,
            r#""network": {"latency_ms": {"min": 1, "max": -1}}"#,
            r#""consumers": [{"prefetch": -1}]"#,
            r#""settings": {"ha-mode": "all"}, "heartbeat": {"interval_ms": true}"#,
            r#""sites": [{"name": "a", "brokers": 3}, {"name": "b", "brokers": 3, "lag_ms": "x"}]"#,
        ];
        for case in cases {
            let text = format!(
                "{{{base},
  {case}}}"
            );
            let (expected, read) = both(&text);
            assert_eq!(read, expected, "{text}");
        }
        let (expected, read) = both(r#"{"version": 1, "brokers": "three"}"#);
        assert_eq!((read.as_str(), expected.as_str()), ("brokers", "brokers"));
    }
}
