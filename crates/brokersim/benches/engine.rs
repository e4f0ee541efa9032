//! Criterion benchmarks of the engine: the reference scenario of
//! `brokersim bench` (5 brokers, a mirrored queue with 3 copies, 1,000 msg/s,
//! one leader crash) over 10 virtual seconds, and a checkpoint (`Sim::clone`)
//! in the middle of a run, which the page's timeline relies on.

use brokersim::{Scenario, Sim, SimTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn reference(duration_ms: u64) -> Scenario {
    let json = format!(
        r#"{{"version":1,"seed":1,"duration_ms":{duration_ms},"system":"rabbitmq-mirrored","brokers":5,
        "settings":{{"ha-mode":"exactly","ha-params":3,"net_ticktime":10}},
        "producers":[{{"rate_per_s":1000,"connect":["b2"]}}],
        "consumers":[{{"ack":"manual","prefetch":100,"process_ms":0,"connect":["b3"]}}],
        "faults":[{{"at_ms":{},"crash":"b1"}}]}}"#,
        duration_ms / 3
    );
    Scenario::from_json(&json).expect("the reference scenario is valid")
}

fn engine(c: &mut Criterion) {
    let scenario = reference(10_000);
    let events = Sim::new(scenario.clone())
        .expect("valid")
        .run_to_end_counting();
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.bench_function("reference_10s_virtual", |b| {
        b.iter(|| {
            Sim::new(scenario.clone())
                .expect("valid")
                .run_to_end_counting()
        })
    });
    group.finish();

    let mut mid = Sim::new(reference(60_000)).expect("valid");
    mid.run_until(SimTime::from_ms(30_000));
    c.bench_function("checkpoint_clone_at_30s", |b| b.iter(|| mid.clone()));
}

/// Runs to the end and returns how many engine events that took.
trait RunCounting {
    fn run_to_end_counting(self) -> u64;
}

impl RunCounting for Sim {
    fn run_to_end_counting(mut self) -> u64 {
        self.run_to_end();
        self.events_processed()
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
