//! Yew components, one per file.

pub mod audit_app;
pub mod instance_form;
pub mod instance_picker;
pub mod issue_list;
pub mod nginx_panel;
pub mod options_app;
pub mod popup_app;
pub mod problem_list;
pub mod replica_table;
pub mod sparkline;
pub mod test_results;
pub mod trust_list;
pub mod verdict_banner;
