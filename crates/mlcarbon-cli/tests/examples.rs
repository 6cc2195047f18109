//! Every example a user is shown runs: the `$ mlcarbon …` lines of README.md's and docs/*.md's
//! console blocks, and the "Examples:" sections of every command's `--help`. They run in order,
//! through `sh` (quotes, redirections and comments as printed), in a fresh folder with their own
//! HOME and database, after one replayed run so that `--run last` has a run to find. An example
//! printed with an `error:` line after it must fail with exit 2 and that one line.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Examples that cannot run here, each with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "mlcarbon --data-dir mydata estimate --hardware \"my accelerator\"",
        "needs the user's own edited hardware table (the lines before it are an editor session)",
    ),
    (
        "mlcarbon slurm ",
        "needs sacct output and a cluster description from the user's cluster (the slurm crate's fixtures test these commands)",
    ),
];

struct Example {
    /// Where it is printed (`README.md:88`, `mlcarbon advise --help`).
    origin: String,
    command: String,
    /// The doc prints an `error:` line after it.
    fails: bool,
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `$ mlcarbon …` lines inside ```console blocks.
fn from_markdown(path: &Path, name: &str, examples: &mut Vec<Example>) {
    let text = std::fs::read_to_string(path).expect("the doc is readable");
    let lines: Vec<&str> = text.lines().collect();
    let mut in_console = false;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ")
            && command.starts_with("mlcarbon ")
        {
            let fails = lines
                .get(i + 1)
                .is_some_and(|next| next.starts_with("error:"));
            examples.push(Example {
                origin: format!("{name}:{}", i + 1),
                command: command.to_string(),
                fails,
            });
        }
    }
}

fn help(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mlcarbon"))
        .args(args)
        .arg("--help")
        .output()
        .expect("mlcarbon starts");
    assert!(output.status.success(), "{args:?} --help failed");
    String::from_utf8(output.stdout).expect("help is UTF-8")
}

/// The "Examples:" lines of `args --help` and of every subcommand's, depth first.
fn from_help(args: &mut Vec<String>, examples: &mut Vec<Example>) {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = help(&refs);
    let mut section = "";
    let mut subcommands = Vec::new();
    // Whether the line before was an example (or its wrapped part).
    let mut continues = false;
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line;
            continues = false;
            continue;
        }
        let trimmed = line.trim();
        match section {
            "Examples:" if trimmed.starts_with("mlcarbon ") => {
                continues = true;
                examples.push(Example {
                    origin: format!("mlcarbon {} --help", refs.join(" ")).replace("  ", " "),
                    command: trimmed.to_string(),
                    fails: false,
                });
            }
            // clap wraps long lines at spaces: the rest of the example above.
            "Examples:" if continues && !trimmed.is_empty() => {
                if let Some(last) = examples.last_mut() {
                    last.command.push(' ');
                    last.command.push_str(trimmed);
                }
            }
            "Examples:" => continues = false,
            "Commands:" => {
                if let Some(name) = trimmed.split_whitespace().next()
                    && name != "help"
                    && line.starts_with("  ")
                    && !line.starts_with("   ")
                {
                    subcommands.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    for name in subcommands {
        args.push(name);
        from_help(args, examples);
        args.pop();
    }
}

#[test]
fn every_example_in_the_readme_the_docs_and_help_runs() {
    let root = repository();
    let mut examples = Vec::new();
    from_markdown(&root.join("README.md"), "README.md", &mut examples);
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ is readable")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    for doc in &docs {
        let name = format!(
            "docs/{}",
            doc.file_name().expect("a file").to_string_lossy()
        );
        from_markdown(doc, &name, &mut examples);
    }
    from_help(&mut Vec::new(), &mut examples);
    assert!(
        examples.len() >= 40,
        "only {} examples found: did the extraction break?",
        examples.len()
    );

    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("examples-home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("a temp folder");
    // The profile `schedule --profile my-grid.csv` reads: a sunny midday dip, hour by hour.
    let profile: String = std::iter::once("hour,g_per_kwh\n".to_string())
        .chain((0..24).map(|h| format!("{h},{}\n", if (10..16).contains(&h) { 120 } else { 380 })))
        .collect();
    std::fs::write(home.join("my-grid.csv"), profile).expect("profile written");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mlcarbon"));
    let bin_dir = binary.parent().expect("the binary's folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |command: &str| {
        Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&home)
            .env("PATH", &path)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("MLCARBON_DB", home.join("runs.sqlite"))
            .env_remove("MLCARBON_DATA_DIR")
            .env_remove("MLCARBON_TOKEN")
            .output()
            .expect("sh starts")
    };
    let seed = run("mlcarbon run --quiet --replay demo --zone FR -- true");
    assert!(seed.status.success(), "the seed run failed: {seed:?}");

    let mut failures = Vec::new();
    let mut ran = 0;
    for example in &examples {
        if EXCEPTIONS
            .iter()
            .any(|(prefix, _)| example.command.starts_with(prefix))
        {
            continue;
        }
        ran += 1;
        let output = run(&example.command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let ok = if example.fails {
            output.status.code() == Some(2)
                && stderr.starts_with("error: ")
                && stderr.trim_end().lines().count() == 1
        } else {
            output.status.success()
        };
        if !ok {
            failures.push(format!(
                "{}: `{}` exited {:?}: {}",
                example.origin,
                example.command,
                output.status.code(),
                stderr.trim()
            ));
        }
    }
    assert!(ran >= 40, "only {ran} examples ran");
    assert!(
        failures.is_empty(),
        "{} of {ran} examples failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
