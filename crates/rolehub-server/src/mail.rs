//! Sending the outbox through SMTP when configured; otherwise mail stays in the outbox, where
//! `rolehub mail list` shows it, so a single machine works without a mail server.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rolehub_store::clock::system_now;
use rolehub_store::Service;

/// Where to send mail.
#[derive(Clone)]
pub struct SmtpConfig {
    /// SMTP host (plain SMTP: a local relay).
    pub host: String,
    /// Port.
    pub port: u16,
    /// Login, if the relay needs one.
    pub credentials: Option<(String, String)>,
    /// The sender address.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("from", &self.from)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "(hidden)"),
            )
            .finish()
    }
}

/// Sends unsent mail every few seconds until stopped.
pub async fn run_sender(service: Service, config: SmtpConfig) {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
        .port(config.port);
    if let Some((user, pass)) = &config.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    let transport = builder.build();
    let Ok(from) = config.from.parse::<Mailbox>() else {
        tracing::error!(from = %config.from, "the SMTP sender address is not an address; mail stays in the outbox");
        return;
    };
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        let Ok(mails) = service.mail_queue().unsent(50).await else {
            continue;
        };
        for mail in mails {
            let Ok(to) = mail.to.parse::<Mailbox>() else {
                let _ = service
                    .mail_queue()
                    .mark(
                        &mail.id,
                        system_now(),
                        Some("the recipient is not an address"),
                    )
                    .await;
                continue;
            };
            let message = Message::builder()
                .from(from.clone())
                .to(to)
                .subject(mail.subject.clone())
                .body(mail.body.clone());
            let outcome = match message {
                Ok(m) => transport
                    .send(m)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match outcome {
                Ok(()) => {
                    let _ = service
                        .mail_queue()
                        .mark(&mail.id, system_now(), None)
                        .await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, to = %mail.to, "sending mail failed; it stays in the outbox");
                    let _ = service
                        .mail_queue()
                        .mark(&mail.id, system_now(), Some(&e))
                        .await;
                    break;
                }
            }
        }
    }
}
