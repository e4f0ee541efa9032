use std::fmt;

/// Why a scenario was refused: the field path (`faults[2].crash`) and a
/// sentence saying what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    pub path: String,
    pub message: String,
}

impl ScenarioError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            path: path.into(),
            message: message.into(),
        }
    }

    #[cfg(feature = "field-paths")]
    pub(crate) fn from_serde(
        error: serde_path_to_error::Error<serde_json::Error>,
    ) -> ScenarioError {
        let path = error.path().to_string();
        // serde_path_to_error writes `?` for a key it could not read.
        let path = path.trim_end_matches(".?").to_string();
        let path = match path.as_str() {
            "." | "?" => String::new(),
            // Deeply nested input gives a path of hundreds of `[0]`s.
            long if long.len() > 120 => format!("{}…", &long[..long.floor_char_boundary(120)]),
            _ => path,
        };
        ScenarioError::new(path, error.into_inner().to_string())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}
