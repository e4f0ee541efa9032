//! The real systems, one file each, behind one trait. A system owns every
//! broker's process state (memory and disk) for its design; the engine owns
//! whether each broker's process is running, and calls the system when it
//! starts, dies, stops, or receives a packet or timer.

pub mod activemq;
pub mod kafka;
pub mod mirrored;
mod queue;
pub mod quorum;
mod sessions;
pub mod storage;

pub mod system;
pub mod timer;

use crate::scenario::config::{Config, SystemConfig};

pub use queue::QMsg;
pub use system::{Publish, Retained, System};
pub use timer::SysTimer;

#[derive(Clone, Debug)]
pub enum AnySystem {
    ActiveMq(Box<activemq::ActiveMq>),
    Mirrored(Box<mirrored::Mirrored>),
    Kafka(Box<kafka::Kafka>),
    Quorum(Box<quorum::Quorum>),
}

impl AnySystem {
    pub fn new(config: &Config) -> AnySystem {
        match &config.system {
            SystemConfig::ActiveMq(s) => {
                AnySystem::ActiveMq(Box::new(activemq::ActiveMq::new(s.clone(), config)))
            }
            SystemConfig::Mirrored(s) => {
                AnySystem::Mirrored(Box::new(mirrored::Mirrored::new(s.clone(), config)))
            }
            SystemConfig::Kafka(s) => {
                AnySystem::Kafka(Box::new(kafka::Kafka::new(s.clone(), config)))
            }
            SystemConfig::Quorum(s) => {
                AnySystem::Quorum(Box::new(quorum::Quorum::new(s.clone(), config)))
            }
        }
    }

    pub fn as_dyn(&mut self) -> &mut dyn System {
        match self {
            AnySystem::ActiveMq(s) => s.as_mut(),
            AnySystem::Mirrored(s) => s.as_mut(),
            AnySystem::Kafka(s) => s.as_mut(),
            AnySystem::Quorum(s) => s.as_mut(),
        }
    }

    pub fn as_ref_dyn(&self) -> &dyn System {
        match self {
            AnySystem::ActiveMq(s) => s.as_ref(),
            AnySystem::Mirrored(s) => s.as_ref(),
            AnySystem::Kafka(s) => s.as_ref(),
            AnySystem::Quorum(s) => s.as_ref(),
        }
    }
}
