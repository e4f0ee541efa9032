//! Scratch runner used while developing: prints the non-message trace and the report.
fn main() {
    let path = std::env::args().nth(1).expect("file");
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario = brokersim::Scenario::from_json(&text).unwrap_or_else(|e| panic!("{e}"));
    let mut sim = brokersim::Sim::new(scenario).unwrap();
    let report = sim.run_to_end();
    let verbose = std::env::args().nth(2).is_some();
    for e in sim.trace() {
        let s = brokersim::explain::explain(&e.event);
        if verbose
            || !matches!(
                e.event,
                brokersim::Event::Published { .. }
                    | brokersim::Event::Confirmed { .. }
                    | brokersim::Event::Delivered { .. }
            )
        {
            println!("{:>10} {}", e.at.to_string(), s);
        }
    }
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}
