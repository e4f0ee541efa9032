//! The crate's one JSON writer. Every compact JSON text the simulator
//! produces (the trace hash's input, the trace and report files, share
//! links, the page's and the JavaScript API's objects) goes through one
//! `serde_json::Serializer<&mut dyn Write>`, so each type's `Serialize` is
//! compiled once rather than once per writer: in the browser, where every
//! copy is download size, that matters. The text is exactly serde_json's
//! compact output.

use std::io::Write;

use serde::Serialize;

/// Writes `value` as compact JSON into `out`.
pub fn write<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> serde_json::Result<()> {
    serde_json::to_writer(out, value)
}

/// `value` as compact JSON. The simulator's types are plain data: writing
/// them cannot fail, and a failure gives an empty string.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(64);
    if write(&mut out, value).is_err() {
        return String::new();
    }
    // serde_json writes UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Re-indents compact JSON the way `serde_json::to_string_pretty` writes
/// it (two spaces, `"key": value`, `[]` and `{}` when empty), so a pretty
/// file needs no second serializer.
pub fn pretty(compact: &str) -> String {
    let bytes = compact.as_bytes();
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut i = 0;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' => {
                // Copy the string as it is, escapes included.
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                out.push_str(&compact[start..i]);
                continue;
            }
            b'{' | b'[' => {
                let close = if c == b'{' { b'}' } else { b']' };
                out.push(char::from(c));
                if bytes.get(i + 1) == Some(&close) {
                    out.push(char::from(close));
                    i += 2;
                    continue;
                }
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(char::from(c));
            }
            b',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            b':' => out.push_str(": "),
            _ => {
                // Numbers, true, false, null: ASCII up to the next delimiter.
                let start = i;
                while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b']' | b':') {
                    i += 1;
                }
                out.push_str(&compact[start..i]);
                continue;
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_is_serde_jsons_pretty() {
        let value = serde_json::json!({
            "a": [], "b": {}, "c": [1, 2.5, -3, {"d": "x,\"y\": [z]"}],
            "e": {"f": null, "g": true, "h": [[]]}, "i": "中文\\",
        });
        let compact = to_string(&value);
        assert_eq!(compact, serde_json::to_string(&value).unwrap());
        assert_eq!(
            pretty(&compact),
            serde_json::to_string_pretty(&value).unwrap()
        );
        for preset in crate::presets::ALL {
            let scenario = preset.scenario();
            assert_eq!(
                pretty(&to_string(&scenario)),
                serde_json::to_string_pretty(&scenario).unwrap()
            );
        }
    }
}
