//! brokersim: a deterministic simulator of message-broker high availability
//! and disaster recovery.
//!
//! The core is a pure state machine: no I/O, no clock, no global state
//! (only the names a run with sites prints its brokers by, see [`naming`]).
//! Everything that varies comes in through a validated [`Scenario`] and its
//! seed, so a run replays bit for bit, natively and in wasm.
//!
//! ```
//! let scenario = brokersim::presets::get("mirrored-master-crash").unwrap().scenario();
//! let mut sim = brokersim::Sim::new(scenario).unwrap();
//! let report = sim.run_to_end();
//! assert!(report.published > 0);
//! ```

pub mod client;
mod engine;
pub mod ids;
pub mod invariants;
pub mod json;
pub mod lang;
pub mod ledger;
pub mod lessons;
pub mod naming;
pub mod net;
pub mod out;
pub mod presets;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod search;
pub mod systems;
pub mod time;
pub mod trace;
pub mod view;
pub mod voice;
pub mod wire;

pub use engine::checkpoint::Checkpoint;
pub use engine::{DRAIN_LIMIT_MS, Sim};
pub use ids::{Addr, BrokerId, ClientId, Epoch, MsgId};
pub use lang::Lang;
pub use report::Report;
pub use scenario::{Scenario, ScenarioError};
pub use time::SimTime;
pub use trace::{Event, TraceEntry};
pub use view::{SystemKind, View};
