//! Yew components, one per file.

#[cfg(any(feature = "pages", feature = "embed"))]
pub mod audit_app;
#[cfg(any(feature = "pages", feature = "embed"))]
pub mod audit_list;
#[cfg(feature = "pages")]
pub mod instance_form;
#[cfg(feature = "popup")]
pub mod instance_picker;
#[cfg(feature = "popup")]
pub mod issue_list;
#[cfg(feature = "popup")]
pub mod job_runner_panel;
#[cfg(feature = "popup")]
pub mod nginx_panel;
#[cfg(feature = "pages")]
pub mod options_app;
#[cfg(feature = "popup")]
pub mod popup_app;
#[cfg(feature = "popup")]
pub mod problem_list;
#[cfg(feature = "popup")]
pub mod replica_table;
#[cfg(feature = "popup")]
pub mod secret_prompt;
#[cfg(feature = "popup")]
pub mod sparkline;
#[cfg(any(feature = "popup", feature = "pages"))]
pub mod status_strip;
#[cfg(feature = "pages")]
pub mod test_results;
#[cfg(feature = "popup")]
pub mod trust_list;
#[cfg(feature = "popup")]
pub mod verdict_banner;
