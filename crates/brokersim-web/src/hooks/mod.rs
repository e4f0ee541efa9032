//! Custom hooks: the animation loop, the keyboard shortcuts and a settings
//! panel's draft scenario.

mod use_animation_frames;
mod use_keyboard;
mod use_scenario_draft;

pub use use_animation_frames::{frame_started, use_animation_frames};
pub use use_keyboard::use_keyboard;
pub use use_scenario_draft::{checked_draft, use_scenario_draft};
