//! One component per file, as in yew's function_todomvc example.

pub mod app;
pub mod charts;
pub mod client_tables;
pub mod cluster;
pub mod compare_page;
pub mod config_panel;
pub mod controls;
pub mod embed;
pub mod event_log;
pub mod fault_menu;
pub mod lang_picker;
pub mod lesson;
pub mod message_life;
pub mod notice;
pub mod numbers;
pub mod share_panel;
