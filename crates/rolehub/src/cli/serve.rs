//! `rolehub serve`: the server, with structured logs and graceful shutdown.

use std::io::Write;
use std::time::Duration;

use rolehub_server::mail::SmtpConfig;
use rolehub_server::{AppState, Config};
use rolehub_store::Service;

use super::exit::{Exit, Failure};
use super::{Cli, ServeArgs};

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROLEHUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

fn smtp_config(args: &ServeArgs) -> Result<Option<SmtpConfig>, Failure> {
    let Some(relay) = &args.smtp else {
        return Ok(None);
    };
    let (host, port) = match relay.rsplit_once(':') {
        Some((h, p)) => (
            h.to_string(),
            p.parse().map_err(|_| Failure {
                exit: Exit::Invalid,
                message: format!("--smtp: `{p}` is not a port"),
            })?,
        ),
        None => (relay.clone(), 25),
    };
    let credentials = match &args.smtp_login {
        Some(login) => {
            let (user, pass) = login.split_once(':').ok_or_else(|| Failure {
                exit: Exit::Invalid,
                message: "--smtp-login: write USER:PASSWORD".into(),
            })?;
            Some((user.to_string(), pass.to_string()))
        }
        None => None,
    };
    Ok(Some(SmtpConfig {
        host,
        port,
        credentials,
        from: args.mail_from.clone(),
    }))
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(cli: &Cli, args: &ServeArgs, out: &mut impl Write) -> Result<Exit, Failure> {
    init_logs();
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .map_err(|e| Failure {
            exit: Exit::Failure,
            message: format!("cannot listen on {}: {e}", args.listen),
        })?;
    let bound = listener.local_addr().map_err(|e| Failure {
        exit: Exit::Failure,
        message: e.to_string(),
    })?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let options = rolehub_store::Options {
        public_url: public_url.clone(),
        ..rolehub_store::Options::default()
    };
    let service = Service::open(&cli.db, &options).await?;
    if args.demo && !super::demo::load(&service, out).await? {
        writeln!(
            out,
            "the database already holds data; the demo world is not loaded again"
        )?;
    }
    let config = Config {
        public_url: public_url.clone(),
        json_limit: args.json_limit,
        csv_limit: args.csv_limit,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        secure_cookies: args.secure_cookies || public_url.starts_with("https://"),
        ..Config::default()
    };
    let smtp = smtp_config(args)?;
    if smtp.is_none() {
        tracing::info!(
            "no SMTP relay configured: invitation mail stays in the outbox (`rolehub mail list`)"
        );
    }
    writeln!(
        out,
        "Rolehub is listening on {public_url} (API under /v1, OpenAPI at /v1/openapi.json)"
    )?;
    out.flush()?;
    let state = AppState::new(service, config);
    rolehub_server::serve(state, listener, smtp, shutdown_signal())
        .await
        .map_err(|e| Failure {
            exit: Exit::Failure,
            message: format!("the server stopped: {e}"),
        })?;
    tracing::info!("stopped");
    Ok(Exit::Ok)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
