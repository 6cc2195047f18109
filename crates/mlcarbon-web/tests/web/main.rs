//! Router tests without a socket (`tower::ServiceExt::oneshot`), snapshots of API bodies and of
//! `/metrics`, and a property test that throws random queries and bodies at the API.

mod accounts;
mod api;
mod codecarbon;
mod codecarbon_client;
mod ingest;
mod metrics;
mod pages;
mod props;
mod runs;
mod schemathesis;
mod server;
mod slurm;
mod support;
