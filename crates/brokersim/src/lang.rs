//! The languages the core speaks to students in: every trace sentence
//! exists in English and in Simplified Chinese (`voice`'s catalogue,
//! `voice::sentence`). Real option names, broker and client names,
//! message ids and numbers are the same in both.

use serde::{Deserialize, Serialize};

/// A language of the sentences, serialised as `"en"` / `"zh"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// English.
    #[default]
    #[serde(rename = "en")]
    En,
    /// Simplified Chinese (简体中文).
    #[serde(rename = "zh")]
    Zh,
}

impl Lang {
    /// Every language, English first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// `"en"` or `"zh"`. Also accepts a browser's language tag
    /// (`zh-CN`, `zh-Hans`, `en-GB`, any case); `None` for any other.
    pub fn parse(text: &str) -> Option<Lang> {
        let text = text.trim().to_ascii_lowercase();
        let primary = text.split(['-', '_']).next().unwrap_or("");
        match primary {
            "en" => Some(Lang::En),
            "zh" if !is_traditional(&text) => Some(Lang::Zh),
            _ => None,
        }
    }

    /// The code `parse` reads back: `"en"` or `"zh"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The language's own name: `English`, `中文`.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "中文",
        }
    }
}

/// `zh-TW`, `zh-HK`, `zh-Hant…`: Traditional Chinese is not Simplified.
fn is_traditional(tag: &str) -> bool {
    tag.split(['-', '_'])
        .skip(1)
        .any(|part| matches!(part, "hant" | "tw" | "hk" | "mo"))
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Lang::parse(text).ok_or_else(|| format!("unknown language {text:?} (use en or zh)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_browser_tags() {
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("zh"), Some(Lang::Zh));
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("zh-TW"), None);
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::parse(""), None);
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
            assert_eq!(lang.to_string().parse::<Lang>(), Ok(lang));
        }
    }

    #[test]
    fn serialises_as_its_code() {
        assert_eq!(serde_json::to_string(&Lang::Zh).unwrap(), "\"zh\"");
        assert_eq!(serde_json::from_str::<Lang>("\"en\"").unwrap(), Lang::En);
        assert!(serde_json::from_str::<Lang>("\"de\"").is_err());
        assert_eq!(Lang::default(), Lang::En);
    }
}
