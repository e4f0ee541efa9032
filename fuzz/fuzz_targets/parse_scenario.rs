//! Any bytes given as a scenario file: parsing and validation return a
//! scenario or an error naming the field, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match brokersim::Scenario::from_json(text) {
        // A scenario that parsed once parses again, the same, from its own JSON.
        Ok(scenario) => {
            let again = brokersim::Scenario::from_json(&scenario.to_json_pretty());
            assert_eq!(again.as_ref(), Ok(&scenario));
        }
        Err(e) => assert!(!e.message.is_empty()),
    }
});
