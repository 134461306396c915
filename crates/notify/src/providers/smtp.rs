//! Email through SMTP with `lettre`: `smtp://host:port` (plain, for a
//! local relay), `smtp://host:port?tls=starttls` (STARTTLS required),
//! `smtps://host:port` (implicit TLS); optional authentication; a
//! configured sender. Japanese subjects are encoded per RFC 2047 and the
//! body is sent as UTF-8 text.

use super::{Accepted, BoxFuture, EmailProvider, OutgoingEmail, ProviderConfigError, SendError};
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain,
    StartTls,
    Implicit,
}

/// Host, port and security of an `smtp_url`.
fn parse_url(url: &str) -> Result<(String, u16, Security), ProviderConfigError> {
    let bad = |why: &str| ProviderConfigError::Email(format!("smtp_url {why}"));
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("must start with smtp:// or smtps://"))?;
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = authority.trim_end_matches('/');
    let mut security = match scheme {
        "smtp" => Security::Plain,
        "smtps" => Security::Implicit,
        _ => return Err(bad("must start with smtp:// or smtps://")),
    };
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair {
            "tls=starttls" | "tls=required" if security == Security::Plain => {
                security = Security::StartTls;
            }
            "tls=none" if security == Security::Plain => {}
            other => return Err(bad(&format!("has an unknown option {other}"))),
        }
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (
            host,
            port.parse::<u16>()
                .map_err(|_| bad("has an invalid port"))?,
        ),
        None => (
            authority,
            match security {
                Security::Plain => 25,
                Security::StartTls => 587,
                Security::Implicit => 465,
            },
        ),
    };
    if host.is_empty() || host.contains('@') {
        return Err(bad("needs a host (put the account in username/password)"));
    }
    Ok((host.to_owned(), port, security))
}

impl Smtp {
    pub fn new(
        smtp_url: &str,
        username: Option<&str>,
        password: Option<&str>,
        from: &str,
    ) -> Result<Self, ProviderConfigError> {
        let (host, port, security) = parse_url(smtp_url)?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| ProviderConfigError::Email(format!("from is not an address: {e}")))?;
        let tls = || {
            TlsParameters::new(host.clone())
                .map_err(|e| ProviderConfigError::Email(format!("TLS: {e}")))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(port)
            .timeout(Some(Duration::from_secs(30)));
        builder = match security {
            Security::Plain => builder.tls(Tls::None),
            Security::StartTls => builder.tls(Tls::Required(tls()?)),
            Security::Implicit => builder.tls(Tls::Wrapper(tls()?)),
        };
        if let Some(user) = username.filter(|u| !u.is_empty()) {
            builder = builder.credentials(Credentials::new(
                user.to_owned(),
                password.unwrap_or("").to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    async fn deliver(&self, email: &OutgoingEmail) -> Result<Accepted, SendError> {
        let to: Mailbox = email.to.parse().map_err(|_| {
            SendError::Permanent("宛先のメールアドレスが正しくありません".to_owned())
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(email.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(email.body.clone())
            .map_err(|e| SendError::Permanent(format!("message: {e}")))?;
        match self.transport.send(message).await {
            Ok(response) => Ok(Accepted {
                provider_id: response
                    .message()
                    .next()
                    .map(|line| line.chars().take(200).collect()),
            }),
            // 5xx: the server refused for good.
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("SMTP: {e}"))),
            Err(e) => Err(SendError::Temporary(format!("SMTP: {e}"))),
        }
    }
}

impl EmailProvider for Smtp {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> BoxFuture<'a, Result<Accepted, SendError>> {
        Box::pin(self.deliver(email))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn smtp_urls_name_host_port_and_security() {
        assert_eq!(
            parse_url("smtp://127.0.0.1:2525").unwrap(),
            ("127.0.0.1".to_owned(), 2525, Security::Plain)
        );
        assert_eq!(
            parse_url("smtp://mail.example.jp:587?tls=starttls").unwrap(),
            ("mail.example.jp".to_owned(), 587, Security::StartTls)
        );
        assert_eq!(
            parse_url("smtps://mail.example.jp").unwrap(),
            ("mail.example.jp".to_owned(), 465, Security::Implicit)
        );
        assert!(parse_url("http://mail.example.jp").is_err());
        assert!(parse_url("smtp://mail.example.jp?tls=maybe").is_err());
        assert!(parse_url("smtp://mail.example.jp:port").is_err());
    }
}
