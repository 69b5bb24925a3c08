//! `rolehub serve`: the server, with structured logs and graceful shutdown.

use std::io::Write;

use rolehub_server::mail::SmtpConfig;
use rolehub_server::AppState;
use rolehub_store::Service;

use rolehub_server::Settings;

use super::exit::{Exit, Failure};
use super::ServeArgs;

/// Logs to standard error: plain lines, coloured only when a person reads them on a terminal
/// (never escape codes in a file), or one JSON object a line for log shippers.
fn init_logs(settings: &Settings) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_new(&settings.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = if settings.log_json {
        builder.json().flatten_event(true).try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

fn smtp_config(settings: &Settings) -> Result<Option<SmtpConfig>, Failure> {
    let Some(relay) = &settings.smtp else {
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
    let credentials = match &settings.smtp_login {
        Some(login) => {
            let (user, pass) = login.0.split_once(':').ok_or_else(|| Failure {
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
        from: settings.mail_from.clone(),
    }))
}

/// Runs the server until Ctrl-C or SIGTERM.
pub async fn serve(
    settings: &Settings,
    args: &ServeArgs,
    out: &mut impl Write,
) -> Result<Exit, Failure> {
    init_logs(settings);
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .map_err(|e| Failure {
            exit: Exit::Failure,
            message: format!(
                "cannot listen on {}: {e}; choose another address with --listen HOST:PORT (or ROLEHUB_LISTEN)",
                settings.listen
            ),
        })?;
    let bound = listener.local_addr().map_err(|e| Failure {
        exit: Exit::Failure,
        message: e.to_string(),
    })?;
    let public_url = settings
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let service =
        Service::open(&settings.database_url, &settings.store_options(&public_url)).await?;
    if args.demo && !super::demo::load(&service, out).await? {
        writeln!(
            out,
            "The database ({}) already holds data; the demo world is not loaded again.",
            settings.database_url
        )?;
        super::demo::print_accounts(out)?;
        writeln!(
            out,
            "To start over, stop the server, remove that database (or name another with --db) and run `serve --demo` again."
        )?;
    }
    let checkpoints = match (&settings.checkpoint_file, super::checkpoints::key(settings)?) {
        (Some(path), Some(key)) => Some(tokio::spawn(super::checkpoints::run(
            service.clone(),
            key,
            path.clone(),
            settings.checkpoint_interval,
        ))),
        (Some(_), None) => {
            return Err(Failure::invalid(
                "audit.checkpoint_file is set but audit.checkpoint_key_file is not: checkpoints need a key",
            ))
        }
        (None, _) => None,
    };
    let config = settings.server_config(&public_url);
    let smtp = smtp_config(settings)?;
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
    if let Some(writer) = checkpoints {
        writer.abort();
    }
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
