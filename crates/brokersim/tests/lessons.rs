//! Every lesson plays: its preset exists, each pause is reached in order,
//! each question has a right answer among its choices, both languages are
//! written, and the report shows what the lesson says it shows.
// The lessons are compiled in only with this (default) feature.
#![cfg(feature = "embedded-lessons")]

use brokersim::lang::Lang;
use brokersim::lessons::{self, Text};
use brokersim::{Sim, presets};

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check_text(lesson: &str, what: &str, text: &Text) {
    assert!(text.en.len() > 5, "{lesson}: {what} needs English");
    assert!(has_cjk(&text.zh), "{lesson}: {what} needs Chinese");
    assert_eq!(text.get(Lang::En), text.en);
}

#[test]
fn every_lesson_plays_as_narrated() {
    assert!(!lessons::ALL.is_empty());
    for file in lessons::ALL {
        let lesson = file.lesson();
        let name = file.name;
        check_text(name, "title", &lesson.title);
        check_text(name, "summary", &lesson.summary);
        let preset = presets::get(&lesson.preset)
            .unwrap_or_else(|| panic!("{name}: no preset {}", lesson.preset));
        let mut sim = Sim::new(preset.scenario()).unwrap();
        let report = sim.run_to_end();
        let trace = sim.trace();
        let mut from = 0;
        assert!(!lesson.steps.is_empty(), "{name}: no steps");
        for (i, step) in lesson.steps.iter().enumerate() {
            check_text(name, &format!("steps[{i}].say"), &step.say);
            let at = step
                .pause
                .find(trace, from)
                .unwrap_or_else(|| panic!("{name}: steps[{i}] never pauses ({:?})", step.pause));
            from = at + 1;
            if let Some(q) = &step.question {
                check_text(name, &format!("steps[{i}].question"), &q.prompt);
                assert!(q.choices.len() >= 2, "{name}: steps[{i}] needs choices");
                assert!(q.answer < q.choices.len(), "{name}: steps[{i}] answer");
                for (c, choice) in q.choices.iter().enumerate() {
                    // A choice may be a real option name, the same in both languages.
                    assert!(
                        !choice.en.is_empty() && !choice.zh.is_empty(),
                        "{name}: steps[{i}].choices[{c}]"
                    );
                }
            }
            if let Some(explain) = &step.explain {
                check_text(name, &format!("steps[{i}].explain"), explain);
            }
            for kind in &step.point_at {
                assert!(
                    trace.iter().any(|e| lessons::kind_of(e) == *kind),
                    "{name}: steps[{i}] points at {kind}, which never happens"
                );
            }
        }
        if let Err(e) = lessons::check_expectations(&lesson.expect, &report) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn a_lesson_file_with_an_unknown_field_is_refused() {
    let bad = r#"{"title": {"en": "a", "zh": "乙"}, "summary": {"en": "a", "zh": "乙"}, "preset": "x", "steps": [], "colour": 1}"#;
    assert!(serde_json::from_str::<lessons::Lesson>(bad).is_err());
}
