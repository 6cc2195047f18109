//! The web server without the CLI (for benchmarks and trying pages out):
//!
//! ```sh
//! cargo run --release -p mlcarbon-web --example serve -- --bind 127.0.0.1:8080 --db runs.sqlite
//! ```
//!
//! `mlcarbon serve` is the way users start it.

use std::process::ExitCode;

fn main() -> ExitCode {
    let data = match mlcarbon_data::Dataset::builtin() {
        Ok(data) => data,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut options = mlcarbon_web::ServeOptions::new(data);
    let mut threads: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let parsed = match arg.as_str() {
            "--bind" => value("--bind").and_then(|v| {
                v.parse()
                    .map(|a| options.bind = a)
                    .map_err(|e| format!("--bind {v}: {e}"))
            }),
            "--db" => value("--db").map(|v| options.db = Some(v.into())),
            "--token" => value("--token").map(|v| options.token = Some(v)),
            "--threads" => value("--threads").and_then(|v| {
                v.parse()
                    .map(|n| threads = Some(n))
                    .map_err(|e| format!("--threads {v}: {e}"))
            }),
            "--quiet" => {
                options.quiet = true;
                Ok(())
            }
            other => Err(format!(
                "unknown argument `{other}`; use --bind ADDR:PORT, --db PATH, --token TOKEN, --threads N, --quiet"
            )),
        };
        if let Err(e) = parsed {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(n.max(1));
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(mlcarbon_web::serve(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
