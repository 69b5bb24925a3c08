//! The OpenID Connect relying party: discovery (cached per issuer), the authorization request
//! with PKCE, `state` and `nonce`, the code exchange, and the ID token's checks (signature through
//! the provider's keys, issuer, audience, expiry, nonce) — with the `openidconnect` crate over a
//! `reqwest` client with rustls.
//!
//! Key rotation: a provider that starts signing with a new key publishes it first; an ID token
//! signed by a key the cached key set does not hold makes one fresh discovery, then is checked
//! again. Nothing else is retried.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreIdToken, CoreProviderMetadata};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    HttpRequest, HttpResponse, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    Scope, SignatureVerificationError, TokenResponse,
};
use rolehub_store::service::sso::SsoConfig;

/// How long a provider's discovery document and keys are kept.
const METADATA_TTL: Duration = Duration::from_secs(10 * 60);
/// How long one request to a provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read from a provider.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Why single sign-on failed, in words an administrator can act on.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// The provider's discovery document or keys could not be read.
    #[error("the identity provider could not be reached or read at {issuer}: {reason}")]
    Discovery {
        /// The issuer.
        issuer: String,
        /// Why.
        reason: String,
    },
    /// The code could not be exchanged for tokens.
    #[error("the identity provider refused the sign-in: {0}")]
    Exchange(String),
    /// The ID token failed a check.
    #[error("the identity provider's answer did not pass its checks: {0}")]
    IdToken(String),
    /// The ID token carries no email.
    #[error("the identity provider sent no email for this person; it must send the `email` claim in the ID token")]
    NoEmail,
    /// The email is marked unverified.
    #[error("the identity provider says this email address is not verified")]
    EmailNotVerified,
}

impl SsoError {
    /// What went wrong, in the reader's language. The provider's own words (technical, in
    /// English) are left out: they are in the log and in [`SsoError::detail`].
    pub fn summary(&self, lang: rolehub_domain::Lang) -> String {
        let en = lang == rolehub_domain::Lang::En;
        match self {
            SsoError::Discovery { issuer, .. } if en => {
                format!("the identity provider could not be reached or read at {issuer}")
            }
            SsoError::Discovery { issuer, .. } => {
                format!("de identiteitsprovider was niet bereikbaar of leesbaar op {issuer}")
            }
            SsoError::Exchange(_) if en => "the identity provider refused the sign-in".into(),
            SsoError::Exchange(_) => "de identiteitsprovider weigerde de aanmelding".into(),
            SsoError::IdToken(_) if en => {
                "the identity provider's answer did not pass its checks".into()
            }
            SsoError::IdToken(_) => {
                "het antwoord van de identiteitsprovider doorstond de controles niet".into()
            }
            SsoError::NoEmail if en => "the identity provider sent no email for this person; it must send the `email` claim in the ID token".into(),
            SsoError::NoEmail => "de identiteitsprovider stuurde geen e-mailadres voor deze persoon; hij moet de claim `email` in het ID-token sturen".into(),
            SsoError::EmailNotVerified if en => {
                "the identity provider says this email address is not verified".into()
            }
            SsoError::EmailNotVerified => {
                "volgens de identiteitsprovider is dit e-mailadres niet geverifieerd".into()
            }
        }
    }

    /// The provider's or the network's own words, for the org's administrators.
    pub fn detail(&self) -> Option<&str> {
        match self {
            SsoError::Discovery { reason, .. } => Some(reason),
            SsoError::Exchange(detail) | SsoError::IdToken(detail) => Some(detail),
            SsoError::NoEmail | SsoError::EmailNotVerified => None,
        }
    }
}

/// A person the provider proved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proven {
    /// Their email (lower-cased).
    pub email: String,
    /// Their name, when sent.
    pub name: Option<String>,
}

/// What "test the connection" found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionReport {
    /// The issuer the provider names.
    pub issuer: String,
    /// Where people are sent.
    pub authorization_endpoint: String,
    /// Where codes are exchanged.
    pub token_endpoint: String,
    /// Signing keys published.
    pub keys: usize,
    /// ID token signing algorithms offered.
    pub algorithms: Vec<String>,
}

/// A failed request to a provider.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

/// The HTTP client the relying party talks to providers with: no redirects followed, bounded time
/// and size.
#[derive(Clone)]
pub struct ProviderHttp(reqwest::Client);

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request =
                reqwest::Request::try_from(request).map_err(|e| HttpError(e.to_string()))?;
            let mut response = self
                .0
                .execute(request)
                .await
                .map_err(|e| HttpError(describe(&e)))?;
            let mut builder = axum::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| HttpError(describe(&e)))?
            {
                if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(HttpError("the answer is larger than 1 MiB".into()));
                }
                body.extend_from_slice(&chunk);
            }
            builder.body(body).map_err(|e| HttpError(e.to_string()))
        })
    }
}

/// A reqwest error with its causes, which say what actually failed (refused, TLS, timeout).
fn describe(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The relying party, shared by every request of the server.
pub struct Sso {
    http: ProviderHttp,
    metadata: Mutex<HashMap<String, (Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Sso {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sso { .. }")
    }
}

impl Default for Sso {
    fn default() -> Self {
        Sso::new()
    }
}

impl Sso {
    /// A relying party with its own HTTP client (rustls, the system's root certificates).
    pub fn new() -> Sso {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .user_agent(concat!("Rolehub/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %describe(&e), "the HTTP client for identity providers could not be built; single sign-on will fail");
                reqwest::Client::default()
            });
        Sso {
            http: ProviderHttp(client),
            metadata: Mutex::new(HashMap::new()),
        }
    }

    /// The provider's discovery document with its keys, cached; `fresh` reads it again.
    async fn metadata(&self, issuer: &str, fresh: bool) -> Result<CoreProviderMetadata, SsoError> {
        if !fresh {
            if let Ok(cache) = self.metadata.lock() {
                if let Some((at, m)) = cache.get(issuer) {
                    if at.elapsed() < METADATA_TTL {
                        return Ok(m.clone());
                    }
                }
            }
        }
        let failed = |reason: String| SsoError::Discovery {
            issuer: issuer.to_string(),
            reason,
        };
        let url = IssuerUrl::new(issuer.to_string()).map_err(|e| failed(e.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(url, &self.http)
            .await
            .map_err(|e| failed(error_chain(&e)))?;
        // The provider's endpoints are TLS like its issuer: a discovery document cannot send
        // Rolehub's requests (with the client secret) over plain HTTP, nor off this machine when
        // the issuer is a provider on this machine under test.
        let local = !issuer.starts_with("https://");
        let origin: String = issuer.split('/').take(3).collect::<Vec<_>>().join("/");
        let allowed = |endpoint: &str| {
            if local {
                endpoint == origin || endpoint.starts_with(&format!("{origin}/"))
            } else {
                endpoint.starts_with("https://")
            }
        };
        for endpoint in [
            Some(metadata.authorization_endpoint().to_string()),
            metadata.token_endpoint().map(|t| t.to_string()),
            Some(metadata.jwks_uri().to_string()),
        ]
        .into_iter()
        .flatten()
        {
            if !allowed(&endpoint) {
                return Err(failed(format!(
                    "its discovery document names {endpoint}, which is not an https:// address{}",
                    if local { " of the issuer" } else { "" }
                )));
            }
        }
        if let Ok(mut cache) = self.metadata.lock() {
            cache.insert(issuer.to_string(), (Instant::now(), metadata.clone()));
        }
        Ok(metadata)
    }

    /// Where to send a person: the provider's authorization endpoint with this sign-in's `state`,
    /// `nonce` and PKCE challenge (S256 of `verifier`), asking `openid email profile`.
    pub async fn authorization_url(
        &self,
        config: &SsoConfig,
        redirect: &str,
        state: &str,
        nonce: &str,
        verifier: &str,
        login_hint: Option<&str>,
    ) -> Result<String, SsoError> {
        let metadata = self.metadata(&config.issuer, false).await?;
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(config.client_id.clone()),
            Some(ClientSecret::new(config.client_secret.clone())),
        )
        .set_redirect_uri(
            RedirectUrl::new(redirect.to_string())
                .map_err(|e| SsoError::Exchange(e.to_string()))?,
        );
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            verifier.to_string(),
        ));
        let (state, nonce) = (state.to_string(), nonce.to_string());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge);
        if let Some(hint) = login_hint {
            request = request.set_login_hint(openidconnect::LoginHint::new(hint.to_string()));
        }
        Ok(request.url().0.to_string())
    }

    /// Exchanges the callback's code (with the PKCE verifier) and checks the ID token; answers the
    /// person it proves.
    pub async fn finish(
        &self,
        config: &SsoConfig,
        redirect: &str,
        code: &str,
        nonce: &str,
        verifier: &str,
    ) -> Result<Proven, SsoError> {
        let metadata = self.metadata(&config.issuer, false).await?;
        let client = client_of(config, redirect, metadata.clone())?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| SsoError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| SsoError::Exchange(error_chain(&e)))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| SsoError::IdToken("no ID token came with the answer".into()))?;
        let nonce = Nonce::new(nonce.to_string());
        match proven(config, redirect, metadata, id_token, &nonce) {
            Err(Rotate) => {
                let metadata = self.metadata(&config.issuer, true).await?;
                proven(config, redirect, metadata, id_token, &nonce).map_err(|Rotate| {
                    SsoError::IdToken("it is signed by a key the provider does not publish".into())
                })?
            }
            Ok(result) => result,
        }
    }

    /// Reads the provider's discovery document and keys afresh, and reports what it found.
    pub async fn test_connection(&self, config: &SsoConfig) -> Result<ConnectionReport, SsoError> {
        let m = self.metadata(&config.issuer, true).await?;
        if m.issuer().as_str().trim_end_matches('/') != config.issuer.trim_end_matches('/') {
            return Err(SsoError::Discovery {
                issuer: config.issuer.clone(),
                reason: format!(
                    "the provider calls itself {}, not {}",
                    m.issuer().as_str(),
                    config.issuer
                ),
            });
        }
        Ok(ConnectionReport {
            issuer: m.issuer().to_string(),
            authorization_endpoint: m.authorization_endpoint().to_string(),
            token_endpoint: m
                .token_endpoint()
                .map(|t| t.to_string())
                .unwrap_or_default(),
            keys: m.jwks().keys().len(),
            algorithms: m
                .id_token_signing_alg_values_supported()
                .iter()
                .map(|a| {
                    serde_json::to_value(a)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .collect(),
        })
    }
}

/// The token was signed by a key not in the cached set: discover again.
struct Rotate;

fn client_of(
    config: &SsoConfig,
    redirect: &str,
    metadata: CoreProviderMetadata,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    SsoError,
> {
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(
        RedirectUrl::new(redirect.to_string()).map_err(|e| SsoError::Exchange(e.to_string()))?,
    ))
}

/// Checks an ID token with one key set; `Err(Rotate)` when its key is not in the set.
fn proven(
    config: &SsoConfig,
    redirect: &str,
    metadata: CoreProviderMetadata,
    id_token: &CoreIdToken,
    nonce: &Nonce,
) -> Result<Result<Proven, SsoError>, Rotate> {
    let client = match client_of(config, redirect, metadata) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let claims = match id_token.claims(&client.id_token_verifier(), nonce) {
        Ok(claims) => claims,
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => return Err(Rotate),
        Err(e) => return Ok(Err(SsoError::IdToken(e.to_string()))),
    };
    let Some(email) = claims.email() else {
        return Ok(Err(SsoError::NoEmail));
    };
    if claims.email_verified() == Some(false) {
        return Ok(Err(SsoError::EmailNotVerified));
    }
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string());
    Ok(Ok(Proven {
        email: email.as_str().trim().to_lowercase(),
        name,
    }))
}

/// An error with its causes.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
