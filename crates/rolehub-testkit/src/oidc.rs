//! OpenID providers for tests, run with Node.js from the `oidc-provider` npm package that
//! `.ci/run` installs under `target/oidc`: `tests/oidc/provider.mjs` (the certified provider, with
//! its development login and consent pages) and `tests/oidc/rogue.mjs` (one that issues the ID
//! tokens a real provider never would, for the relying party's refusals).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The client Rolehub is at every test provider.
pub const CLIENT_ID: &str = "rolehub-tests";
/// Its secret.
pub const CLIENT_SECRET: &str = "a client secret for tests only";

/// A running provider, stopped when dropped.
pub struct Provider {
    child: Child,
    /// Its issuer (`http://127.0.0.1:PORT`).
    pub issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Provider {
    /// Starts `tests/oidc/SCRIPT` for a Rolehub server at `base`. Outside CI, where the package
    /// may be missing, answers `None`; in CI (`CI` set) a missing package fails the test.
    pub fn start(script: &str, base: &str) -> Option<Provider> {
        let modules = root().join("target/oidc/node_modules");
        if !modules.join("oidc-provider/package.json").exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "oidc-provider is not installed under target/oidc; .ci/run installs it"
            );
            eprintln!(
                "oidc-provider is not installed under target/oidc; this test is left to .ci/run"
            );
            return None;
        }
        let mut child = Command::new("node")
            .arg(root().join("tests/oidc").join(script))
            .env("OIDC_MODULES", &modules)
            .env("OIDC_PORT", "0")
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URI", format!("{base}/sso/callback"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("the issuer line");
        let issuer = line
            .trim()
            .strip_prefix("issuer=")
            .unwrap_or_else(|| panic!("the provider said {line:?}"))
            .to_string();
        Some(Provider { child, issuer })
    }
}
