fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let scenario = brokersim::Scenario::from_json(&text).unwrap();
    let t = std::time::Instant::now();
    let mut sim = brokersim::Sim::new(scenario).unwrap();
    let r = sim.run_to_end();
    let s = t.elapsed().as_secs_f64();
    println!(
        "events {} in {:.3}s = {:.0}/s, trace {} pub {} lost {} dup {}",
        sim.events_processed(),
        s,
        sim.events_processed() as f64 / s,
        sim.trace().len(),
        r.published,
        r.lost,
        r.duplicated
    );
}
