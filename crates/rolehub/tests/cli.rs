//! The operator CLI, run as a real process against a temporary SQLite file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on the first surprise"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

struct Cli {
    db: PathBuf,
}

impl Cli {
    fn new(name: &str) -> Cli {
        let db = std::env::temp_dir().join(format!("rolehub-cli-{name}-{}.db", std::process::id()));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
        Cli { db }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_rolehub"))
            .arg("--db")
            .arg(format!("sqlite://{}", self.db.display()))
            .args(args)
            .env_remove("ROLEHUB_DB")
            .env_remove("ROLEHUB_CONFIG")
            .env_remove("ROLEHUB_LOG")
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.db.display()));
        }
    }
}

#[test]
fn demo_world_can_be_explored_and_changed_from_the_cli() {
    let cli = Cli::new("demo");
    let printed = cli.ok(&["demo"]);
    assert!(printed.contains("admin@acme.example"), "{printed}");
    let orgs = cli.ok(&["orgs", "list"]);
    for org in [
        "acme",
        "globex",
        "initech",
        "pnet",
        "consumer",
        "studio-vos",
        "zentech",
    ] {
        assert!(orgs.contains(org), "{orgs}");
    }
    let admins = cli.ok(&[
        "users",
        "list",
        "--org",
        "acme",
        "--role",
        "cc_service_admin",
    ]);
    assert!(
        admins.contains("cc.admin@acme.example")
            && !admins.lines().any(|l| l.starts_with("admin@acme.example")),
        "{admins}"
    );

    // A dry run changes nothing; the real assignment does, and is audited.
    let dry = cli.ok(&[
        "roles",
        "assign",
        "--as",
        "admin@acme.example",
        "--person",
        "readonly@acme.example",
        "--role",
        "support_admin",
        "--dry-run",
    ]);
    assert!(
        dry.contains("dry run: would have added support_admin"),
        "{dry}"
    );
    assert!(!cli
        .ok(&["admins", "list", "--org", "acme", "--role", "support_admin"])
        .contains("readonly@acme.example"));
    cli.ok(&[
        "roles",
        "assign",
        "--as",
        "admin@acme.example",
        "--email",
        "readonly@acme.example",
        "--role",
        "support_admin",
    ]);
    assert!(cli
        .ok(&["admins", "list", "--org", "acme", "--role", "support_admin"])
        .contains("readonly@acme.example"));

    // A refusal exits 1 and names its rule.
    let refused = cli.run(&[
        "roles",
        "assign",
        "--as",
        "readonly@acme.example",
        "--email",
        "devices@acme.example",
        "--role",
        "full_admin",
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("R-ASSIGN-1"));

    let csv = cli.ok(&["admins", "export", "--org", "acme", "--role", "full_admin"]);
    assert!(
        csv.starts_with("First/Last Name,User ID/Email,Admin Roles\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("admin@acme.example,Full administrator\r\n"),
        "{csv}"
    );

    let audit = cli.ok(&[
        "audit", "list", "--org", "acme", "--action", "role", "--format", "ndjson",
    ]);
    assert!(
        audit
            .lines()
            .any(|l| l.contains("\"ruleId\":\"R-ASSIGN-1\"")),
        "{audit}"
    );
    assert!(cli.ok(&["audit", "verify"]).contains("audit chain intact"));
    assert!(cli.ok(&["roles", "list"]).contains("Volledige beheerder"));
}

#[test]
fn audit_verify_names_the_first_bad_event() {
    let cli = Cli::new("tamper");
    cli.ok(&["demo"]);
    let conn = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!("import sqlite3; c = sqlite3.connect('{}'); c.execute('DROP TRIGGER audit_events_no_update'); c.execute(\"UPDATE audit_events SET action = 'role.revoke' WHERE org_id = 'acme' AND seq = 2\"); c.commit()", cli.db.display()))
        .status()
        .unwrap();
    assert!(conn.success());
    let out = cli.run(&["audit", "verify", "--org", "acme"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("org `acme`") && err.contains("(position 2)") && err.contains("edited"),
        "{err}"
    );
}

/// Runs Python's sqlite3 on the CLI's database, as someone with write access to the file would.
fn tamper(cli: &Cli, statements: &[&str]) {
    let script = statements
        .iter()
        .map(|s| format!("c.execute(\"{s}\")"))
        .collect::<Vec<_>>()
        .join("; ");
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import sqlite3; c = sqlite3.connect('{}'); {script}; c.commit()",
            cli.db.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
}

/// Removes acme's newest events and moves its head back, so that the chain alone still verifies.
fn cut_acme_to(cli: &Cli, seq: i64) {
    tamper(
        cli,
        &[
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
            &format!("DELETE FROM audit_events WHERE org_id = 'acme' AND seq > {seq}"),
            &format!("UPDATE orgs SET audit_seq = {seq}, audit_hash = (SELECT hash FROM audit_events WHERE org_id = 'acme' AND seq = {seq}) WHERE id = 'acme'"),
        ],
    );
}

#[test]
fn signed_checkpoints_catch_a_cut_log_a_rewritten_log_and_an_edited_checkpoint() {
    let cli = Cli::new("checkpoints");
    cli.ok(&["demo"]);
    let key = cli.db.with_extension("key");
    std::fs::write(&key, "4f1c2a0e9b7d6c5a4f1c2a0e9b7d6c5a4f1c2a0e9b7d6c5a\n").unwrap();
    let file = cli.db.with_extension("checkpoints");
    let _ = std::fs::remove_file(&file);
    let set_key = format!("audit.checkpoint_key_file={}", key.display());
    let with_key = |args: &[&str]| {
        let mut all = vec!["--set", set_key.as_str()];
        all.extend_from_slice(args);
        cli.run(&all)
    };
    let file_arg = file.display().to_string();
    let out = with_key(&["audit", "checkpoint", "--out", &file_arg]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verify = |cli_args: &[&str]| {
        let mut args = vec!["audit", "verify", "--checkpoints", file_arg.as_str()];
        args.extend_from_slice(cli_args);
        with_key(&args)
    };
    let out = verify(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit checkpoints confirmed"));
    let head: i64 = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["org"] == "acme")
        .unwrap()["seq"]
        .as_i64()
        .unwrap();
    assert!(head > 3, "{head}");

    // Without a key, checkpoints are refused with the setting named.
    let out = cli.run(&["audit", "verify", "--checkpoints", &file_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("audit.checkpoint_key_file"));

    // The newest two events removed and the head moved back: the chain verifies, the checkpoint
    // does not.
    cut_acme_to(&cli, head - 2);
    assert!(cli.ok(&["audit", "verify"]).contains("audit chain intact"));
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("org `acme` was cut short")
            && err.contains(&format!(
                "the first missing event is at position {}",
                head - 1
            )),
        "{err}"
    );

    // New events written where the removed ones were: a valid chain, a rewritten log.
    for role in ["support_admin", "device_admin"] {
        cli.ok(&[
            "roles",
            "assign",
            "--as",
            "admin@acme.example",
            "--email",
            "readonly@acme.example",
            "--role",
            role,
        ]);
    }
    assert!(cli.ok(&["audit", "verify"]).contains("audit chain intact"));
    let out = verify(&[]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("org `acme` was rewritten") && err.contains(&format!("position {head}")),
        "{err}"
    );

    // An edited checkpoint is not one the key signed.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("\"seq\":", "\"seq\":1", 1)).unwrap();
    let out = verify(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("checkpoint line 1") && err.contains("signature"),
        "{err}"
    );
    let _ = std::fs::remove_file(&key);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn gen_makes_a_world_and_says_how_long_it_took() {
    let cli = Cli::new("gen");
    let printed = cli.ok(&["gen", "--orgs", "2", "--users-per-org", "1200"]);
    assert!(
        printed.contains("generated 2 orgs and 2400 users in"),
        "{printed}"
    );
    let page = cli.ok(&["--json", "users", "list", "--org", "gen-0002", "--max", "3"]);
    let v: serde_json::Value = serde_json::from_str(&page).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    assert_eq!(v["items"][0]["email"], "u0000001@gen-0002.example");
    assert_eq!(v["items"][0]["roles"][0], "full_admin");
}

/// What the CLI prints, pinned: its help with the exit codes, the role catalogue, the settings,
/// a refusal and a failing scenario. A change of wording is a reviewed diff of the snapshot.
#[test]
fn cli_outputs_are_pinned() {
    let cli = Cli::new("pinned");
    cli.ok(&["demo"]);
    let mut text = String::new();
    let mut pin = |what: &str, out: Output| {
        let norm = |b: &[u8]| {
            String::from_utf8_lossy(b)
                .replace(&cli.db.display().to_string(), "DB")
                .replace(env!("CARGO_MANIFEST_DIR"), "CRATE")
        };
        text.push_str(&format!(
            "## {what} (exit {})\n--- stdout\n{}--- stderr\n{}\n",
            out.status.code().unwrap_or(-1),
            norm(&out.stdout),
            norm(&out.stderr)
        ));
    };
    pin("rolehub --help", cli.run(&["--help"]));
    pin("rolehub roles list", cli.run(&["roles", "list"]));
    pin(
        "rolehub config show",
        Command::new(env!("CARGO_BIN_EXE_rolehub"))
            .args(["--db", "sqlite://rolehub.db", "config", "show"])
            .env_remove("ROLEHUB_DB")
            .env_remove("ROLEHUB_CONFIG")
            .env_remove("ROLEHUB_LOG")
            .output()
            .unwrap(),
    );
    pin(
        "a refusal",
        cli.run(&[
            "roles",
            "assign",
            "--as",
            "readonly@acme.example",
            "--email",
            "devices@acme.example",
            "--role",
            "full_admin",
        ]),
    );
    pin(
        "a failing scenario",
        cli.run(&[
            "scenario",
            "run",
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/failing.json"),
        ]),
    );
    pin(
        "an unreadable scenario",
        cli.run(&[
            "scenario",
            "run",
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/unknown-field.json"
            ),
        ]),
    );
    insta::assert_snapshot!(text);
}

/// What a new user meets first: a new database is named when it is created, an empty one gets the
/// way to fill it, a reader that stops reading ends the command quietly (no panic, success), a
/// typo gets the near flag, and a taken port names the setting to change.
#[test]
fn the_cli_says_what_it_did_and_never_panics() {
    let cli = Cli::new("firsthour");
    let out = cli.run(&["token", "create", "--email", "admin@acme.example"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("created a new, empty database at"),
        "{stderr}"
    );
    assert!(stderr.contains("rolehub demo"), "{stderr}");

    cli.ok(&["demo"]);
    // `| head -1`, with standard error going the same way (`2>&1 | head -1`).
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .arg("--db")
        .arg(format!("sqlite://{}", cli.db.display()))
        .args(["users", "list", "--org", "acme"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(0),
        "a closed pipe ends the command quietly"
    );

    let out = cli.run(&[
        "roles",
        "assign",
        "--as",
        "admin@acme.example",
        "--emial",
        "x",
        "--role",
        "full_admin",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("a similar argument exists: '--email'"),
        "{stderr}"
    );

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = cli.run(&["serve", "--listen", &address]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("--listen") && stderr.contains("ROLEHUB_LISTEN"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes off a terminal: {stderr}"
    );
}

/// `--log-format json` writes one JSON object a line, for log shippers.
#[test]
fn the_server_logs_json_lines_on_request() {
    let cli = Cli::new("jsonlog");
    cli.ok(&["demo"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rolehub"))
        .arg("--db")
        .arg(format!("sqlite://{}", cli.db.display()))
        .args(["serve", "--listen", &address, "--log-format", "json"])
        .env("ROLEHUB_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut served = false;
    for _ in 0..100 {
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            use std::io::{Read, Write};
            stream
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            served = answer.contains("200");
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(served, "the server answered");
    let log = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "it logged");
    for line in &lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON line: {line}"));
        assert!(v.get("level").is_some(), "{line}");
    }
    assert!(log.contains("\"status\":200"), "{log}");
}
