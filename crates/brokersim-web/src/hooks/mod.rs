//! Custom hooks: the animation loop and the keyboard shortcuts.

mod use_animation_frames;
mod use_keyboard;

pub use use_animation_frames::{frame_started, use_animation_frames};
pub use use_keyboard::use_keyboard;
