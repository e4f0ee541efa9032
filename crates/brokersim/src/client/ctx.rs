//! What a client's step may touch besides itself, apart from `mod.rs` so
//! that producers and consumers name it without importing one another
//! through `mod.rs` (issue 13).

use crate::ledger::Ledger;
use crate::out::Out;

/// What a client's step may touch besides itself.
pub struct ClientCtx<'a> {
    pub out: &'a mut Out,
    pub ledger: &'a mut Ledger,
    /// Producers publish new messages only during the fault phase.
    pub publishing_open: bool,
}
