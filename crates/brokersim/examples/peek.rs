fn main() {
    let path = std::env::args().nth(1).expect("file");
    let at: u64 = std::env::args().nth(2).unwrap().parse().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let scenario = brokersim::Scenario::from_json(&text).unwrap();
    let mut sim = brokersim::Sim::new(scenario).unwrap();
    sim.run_until(brokersim::SimTime::from_ms(at));
    let v = sim.view();
    println!("{}", serde_json::to_string_pretty(&v.replicas).unwrap());
    println!("{}", serde_json::to_string(&v.consumers).unwrap());
    for p in v.in_flight.iter().filter(|p| !p.heartbeat) {
        println!("{:?} -> {:?} {} {:?}", p.from, p.to, p.kind, p.message);
    }
}
