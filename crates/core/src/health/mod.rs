//! Health checks: `/_ping`, `/nginx_status`, `cluster_status` and the combined report.
