//! Configuration: a TOML file (`--config`) with every key also settable by
//! an environment variable `MADOGUCHI_<SECTION>_<KEY>` (which wins).

use serde::Deserialize;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub web: WebSection,
    pub site: SiteSection,
    pub service: ServiceSection,
    pub email: madoguchi_notify::EmailConfig,
    pub sms: madoguchi_notify::SmsConfig,
    pub admin: AdminSection,
    /// Deployment secrets (`[security] secret_key`).
    pub security: SecuritySection,
    /// The Prometheus metrics listener (`[metrics] listen`, off by default).
    pub metrics: MetricsSection,
    /// The AI phone's call loop (turn timing, fillers, recordings, capacity).
    pub voice: madoguchi_voice::session::VoiceSettings,
    /// The SIP endpoint (`[sip] listen`, `enabled`, registration).
    pub sip: madoguchi_voice::sip::SipConfig,
    /// The Twilio media-stream entrance (`[twilio] auth_token`).
    pub twilio: madoguchi_voice::line::twilio_auth::TwilioConfig,
    /// Speech recognition: `engine = "whisper"` (offline) or `"openai"`.
    pub asr: madoguchi_voice::speech::AsrConfig,
    /// Speech synthesis (Open JTalk).
    pub tts: madoguchi_voice::speech::TtsConfig,
    /// Whether `[sip] listen` was given; if not, SIP listens on the web
    /// listener's host (a demo on 127.0.0.1 does not open the phone to the
    /// network).
    #[serde(skip)]
    sip_listen_set: bool,
}

/// Admin console sign-in rules.
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSection {
    /// A session unused this many minutes ends.
    pub idle_timeout_minutes: u32,
    /// A session ends this many hours after sign-in, however active.
    pub session_hours: u32,
    /// Failed sign-ins in a row that lock an account.
    pub lockout_failures: u32,
    /// How long a locked account stays locked.
    pub lockout_minutes: u32,
}

impl Default for AdminSection {
    fn default() -> Self {
        Self {
            idle_timeout_minutes: 30,
            session_hours: 10,
            lockout_failures: 5,
            lockout_minutes: 15,
        }
    }
}

impl AdminSection {
    pub fn admin_config(&self) -> madoguchi_web::AdminConfig {
        madoguchi_web::AdminConfig {
            session: madoguchi_store::SessionPolicy {
                idle: chrono::Duration::minutes(i64::from(self.idle_timeout_minutes.max(1))),
                absolute: chrono::Duration::hours(i64::from(self.session_hours.max(1))),
            },
            max_failures: self.lockout_failures.max(1),
            lock_for: chrono::Duration::minutes(i64::from(self.lockout_minutes)),
        }
    }
}

/// Deployment secrets.
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySection {
    /// At least 32 random bytes, hex or base64 (`openssl rand -hex 32`).
    /// The access log's chain key is derived from it; without it the key
    /// is kept in the database, where a copy of the database can re-forge
    /// the chain.
    pub secret_key: Option<String>,
}

impl std::fmt::Debug for SecuritySection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecuritySection")
            .field("secret_key", &self.secret_key.as_ref().map(|_| "…"))
            .finish()
    }
}

impl SecuritySection {
    /// The secret's bytes, when configured: hex if it reads as hex, else
    /// base64.
    pub fn secret(&self) -> Result<Option<Vec<u8>>, ConfigError> {
        let Some(text) = self.secret_key.as_deref().map(str::trim) else {
            return Ok(None);
        };
        let is_hex = text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit());
        let bytes = if is_hex {
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16))
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| ConfigError::Invalid("[security] secret_key: bad hex".to_owned()))?
        } else {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| {
                    ConfigError::Invalid(
                        "[security] secret_key must be hex or base64 (openssl rand -hex 32)"
                            .to_owned(),
                    )
                })?
        };
        if bytes.len() < madoguchi_store::MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "[security] secret_key has {} bytes; at least {} are needed (openssl rand -hex 32)",
                bytes.len(),
                madoguchi_store::MIN_SECRET_BYTES
            )));
        }
        Ok(Some(bytes))
    }
}

/// Service rules that a deployment may pin in configuration. When set, they
/// are written into the database settings at start-up (configuration wins
/// over what is stored); when absent, the stored settings stay as they are.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceSection {
    /// First and last day of the service period, `YYYY-MM-DD`.
    pub first_day: Option<chrono::NaiveDate>,
    pub last_day: Option<chrono::NaiveDate>,
    /// A day opens for booking this many days ahead.
    pub opens_days_ahead: Option<u32>,
    /// Booking for a day closes this many days before it, at `closes_at`.
    pub closes_days_before: Option<u32>,
    /// `HH:MM`, Japan time.
    pub closes_at: Option<String>,
    /// Seats kept for phone and staff bookings are released to the web this
    /// many minutes before the slot.
    pub release_reserved_minutes_before: Option<i64>,
    /// Access-log entries are deleted this many days after they were
    /// written (default 365).
    pub access_log_days: Option<u32>,
    /// A rehearsal (staging) instance: a banner on every page, a sentence
    /// in every call's greeting, SMS and email kept for staff instead of
    /// sent (docs/operations.md). Never on the instance residents use.
    pub rehearsal: bool,
}

impl ServiceSection {
    /// Applies the pinned values to `settings`; true when anything changed.
    pub fn apply(
        &self,
        settings: &mut madoguchi_core::settings::ServiceSettings,
    ) -> Result<bool, ConfigError> {
        let before = settings.clone();
        if let Some(day) = self.first_day {
            settings.period.first_day = day;
        }
        if let Some(day) = self.last_day {
            settings.period.last_day = day;
        }
        if settings.period.last_day < settings.period.first_day {
            return Err(ConfigError::Invalid(
                "[service] last_day is before first_day".to_owned(),
            ));
        }
        if let Some(days) = self.opens_days_ahead {
            settings.window.opens_days_ahead = days;
        }
        if let Some(days) = self.closes_days_before {
            settings.window.closes.days_before = days;
            settings.window.changes_close.days_before = days;
        }
        if let Some(minutes) = self.release_reserved_minutes_before {
            if minutes < 0 {
                return Err(ConfigError::Invalid(
                    "[service] release_reserved_minutes_before must not be negative".to_owned(),
                ));
            }
            settings.seats.release_reserved_minutes_before = minutes;
        }
        if let Some(days) = self.access_log_days {
            settings.retention.access_log_days = days;
        }
        if let Some(at) = &self.closes_at {
            let time = chrono::NaiveTime::parse_from_str(at, "%H:%M").map_err(|_| {
                ConfigError::Invalid(format!("[service] closes_at must be HH:MM, not {at}"))
            })?;
            let minute = chrono::Timelike::hour(&time) * 60 + chrono::Timelike::minute(&time);
            settings.window.closes.at_minute = minute;
            settings.window.changes_close.at_minute = minute;
        }
        Ok(*settings != before)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// An SQLite file path or a `postgres://` URL.
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSection {
    pub listen: String,
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    pub rate_limit_exempt_loopback: bool,
    pub trust_forwarded_for: bool,
    pub secure_cookies: bool,
}

impl Default for WebSection {
    fn default() -> Self {
        let limits = madoguchi_web::RateLimitConfig::default();
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            rate_limit_per_minute: limits.per_minute,
            rate_limit_burst: limits.burst,
            rate_limit_exempt_loopback: false,
            trust_forwarded_for: false,
            secure_cookies: false,
        }
    }
}

/// Where `/metrics` is served: a listener of its own, for the monitoring
/// only. Off unless `listen` is set; keep it on loopback or a private
/// network (the metrics hold no personal data, but they tell an outsider
/// how busy the service is).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSection {
    /// e.g. `127.0.0.1:9090`.
    pub listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSection {
    /// The public address of the service, used in links sent to residents.
    pub public_url: Option<String>,
}

impl Config {
    /// Reads `path` (if given) and applies `MADOGUCHI_*` environment
    /// overrides from `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| ConfigError::Invalid(format!("{}: {e}", path.display())))?
            }
            None => toml::Table::new(),
        };
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("MADOGUCHI_") else {
                continue;
            };
            let Some((section, key)) = rest.split_once('_') else {
                continue;
            };
            let section = section.to_ascii_lowercase();
            if ![
                "database", "web", "site", "service", "admin", "security", "metrics", "email",
                "sms", "voice", "sip", "twilio", "asr", "tts",
            ]
            .contains(&section.as_str())
            {
                continue;
            }
            let entry = table
                .entry(section.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(section_table) = entry {
                // Notification keys are all text: a sender "+8150…" or a
                // numeric token must not turn into a number.
                let key = key.to_ascii_lowercase();
                let value = if ["email", "sms"].contains(&section.as_str())
                    || TEXT_KEYS.contains(&(section.as_str(), key.as_str()))
                {
                    toml::Value::String(value)
                } else {
                    env_value(&value)
                };
                section_table.insert(key, value);
            }
        }
        // `[asr]` without `engine` (e.g. only `workers = 2`) means the
        // offline engine, the default.
        if let Some(toml::Value::Table(asr)) = table.get_mut("asr") {
            asr.entry("engine")
                .or_insert_with(|| toml::Value::String("whisper".to_owned()));
        }
        let sip_listen_set = table.get("sip").and_then(|sip| sip.get("listen")).is_some();
        let mut config = Config::deserialize(toml::Value::Table(table))
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.sip_listen_set = sip_listen_set;
        Ok(config)
    }

    /// The SIP settings for a web service listening on `web`: `[sip]
    /// listen` when given, else the web listener's host on the SIP port.
    pub fn sip_config(&self, web: std::net::SocketAddr) -> madoguchi_voice::sip::SipConfig {
        let mut sip = self.sip.clone();
        if !self.sip_listen_set {
            let port = sip
                .listen
                .parse::<std::net::SocketAddr>()
                .map_or(5060, |a| a.port());
            sip.listen = std::net::SocketAddr::new(web.ip(), port).to_string();
        }
        sip
    }

    pub fn web_config(&self) -> madoguchi_web::WebConfig {
        madoguchi_web::WebConfig {
            rate_limit: madoguchi_web::RateLimitConfig {
                per_minute: self.web.rate_limit_per_minute,
                burst: self.web.rate_limit_burst,
                exempt_loopback: self.web.rate_limit_exempt_loopback,
                ..madoguchi_web::RateLimitConfig::default()
            },
            trust_forwarded_for: self.web.trust_forwarded_for,
            secure_cookies: self.web.secure_cookies,
            notify: Default::default(),
            admin: self.admin.admin_config(),
        }
    }
}

/// Keys that are always text, even when the value looks like a number
/// (a SIP user "0586280000", an API key of digits).
const TEXT_KEYS: &[(&str, &str)] = &[
    ("security", "secret_key"),
    ("metrics", "listen"),
    ("sip", "listen"),
    ("sip", "public_address"),
    ("sip", "register_uri"),
    ("sip", "username"),
    ("sip", "password"),
    ("sip", "realm"),
    ("sip", "allow_from"),
    ("twilio", "auth_token"),
    ("twilio", "public_url"),
    ("asr", "engine"),
    ("asr", "base_url"),
    ("asr", "api_key"),
    ("asr", "model"),
    ("asr", "python"),
    ("asr", "model_dir"),
    ("tts", "binary"),
    ("tts", "dictionary"),
    ("tts", "voice"),
];

/// Environment values are text; read numbers and booleans as such.
fn env_value(value: &str) -> toml::Value {
    if let Ok(b) = value.parse::<bool>() {
        toml::Value::Boolean(b)
    } else if let Ok(i) = value.parse::<i64>() {
        toml::Value::Integer(i)
    } else {
        toml::Value::String(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn file_values_are_read_and_environment_wins() {
        let mut file = tempfile_in_target();
        writeln!(file.1, "[web]\nlisten = \"0.0.0.0:9000\"\nrate_limit_burst = 10\n[site]\npublic_url = \"https://yoyaku.example.jp\"").unwrap();
        let env = vec![
            (
                "MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK".to_owned(),
                "true".to_owned(),
            ),
            ("MADOGUCHI_WEB_RATE_LIMIT_BURST".to_owned(), "20".to_owned()),
            ("UNRELATED".to_owned(), "x".to_owned()),
        ];
        let config = Config::load(Some(&file.0), env.into_iter()).unwrap();
        assert_eq!(config.web.listen, "0.0.0.0:9000");
        assert_eq!(config.web.rate_limit_burst, 20);
        assert!(config.web.rate_limit_exempt_loopback);
        assert_eq!(
            config.site.public_url.as_deref(),
            Some("https://yoyaku.example.jp")
        );
        let _ = std::fs::remove_file(&file.0);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let env = vec![("MADOGUCHI_WEB_LISTNE".to_owned(), "x".to_owned())];
        let err = Config::load(None, env.into_iter()).unwrap_err();
        assert!(err.to_string().contains("listne"), "{err}");
    }

    #[test]
    fn pinned_service_rules_override_the_stored_settings() {
        let env = vec![
            (
                "MADOGUCHI_SERVICE_FIRST_DAY".to_owned(),
                "2026-12-01".to_owned(),
            ),
            ("MADOGUCHI_SERVICE_CLOSES_AT".to_owned(), "12:00".to_owned()),
        ];
        let config = Config::load(None, env.into_iter()).unwrap();
        let mut settings = madoguchi_core::settings::ServiceSettings::default();
        assert!(config.service.apply(&mut settings).unwrap());
        assert_eq!(settings.period.first_day.to_string(), "2026-12-01");
        assert_eq!(settings.period.last_day.to_string(), "2027-03-31");
        assert_eq!(settings.window.closes.at_minute, 720);
        assert_eq!(settings.window.changes_close.at_minute, 720);
        assert!(
            !config.service.apply(&mut settings).unwrap(),
            "applying twice changes nothing"
        );
    }

    /// Async: the SMTP transport's connection pool lives on the runtime.
    #[tokio::test]
    async fn notification_sections_are_read_from_file_and_environment() {
        let env = vec![
            ("MADOGUCHI_SMS_PROVIDER".to_owned(), "twilio".to_owned()),
            (
                "MADOGUCHI_SMS_API_BASE".to_owned(),
                "http://127.0.0.1:9".to_owned(),
            ),
            ("MADOGUCHI_SMS_ACCOUNT_SID".to_owned(), "AC123".to_owned()),
            ("MADOGUCHI_SMS_AUTH_TOKEN".to_owned(), "secret".to_owned()),
            ("MADOGUCHI_SMS_FROM".to_owned(), "+15005550006".to_owned()),
            (
                "MADOGUCHI_EMAIL_SMTP_URL".to_owned(),
                "smtp://127.0.0.1:2525".to_owned(),
            ),
            ("MADOGUCHI_EMAIL_USERNAME".to_owned(), "yoyaku".to_owned()),
            ("MADOGUCHI_EMAIL_PASSWORD".to_owned(), "pw".to_owned()),
            (
                "MADOGUCHI_EMAIL_FROM".to_owned(),
                "yoyaku@example.jp".to_owned(),
            ),
        ];
        let config = Config::load(None, env.into_iter()).unwrap();
        assert_eq!(config.sms.provider.as_deref(), Some("twilio"));
        assert_eq!(config.sms.api_base.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(config.sms.account_sid.as_deref(), Some("AC123"));
        assert_eq!(config.sms.auth_token.as_deref(), Some("secret"));
        assert_eq!(config.sms.from.as_deref(), Some("+15005550006"));
        assert_eq!(
            config.email.smtp_url.as_deref(),
            Some("smtp://127.0.0.1:2525")
        );
        assert_eq!(config.email.username.as_deref(), Some("yoyaku"));
        assert_eq!(config.email.password.as_deref(), Some("pw"));
        assert_eq!(config.email.from.as_deref(), Some("yoyaku@example.jp"));
        let delivery = madoguchi_notify::Delivery::from_config(&config.email, &config.sms).unwrap();
        assert!(delivery.sms_configured() && delivery.email_configured());
        let none = Config::load(None, std::iter::empty()).unwrap();
        let delivery = madoguchi_notify::Delivery::from_config(&none.email, &none.sms).unwrap();
        assert!(!delivery.sms_configured() && !delivery.email_configured());
    }

    #[test]
    fn voice_settings_are_read_and_environment_wins() {
        let env = vec![
            (
                "MADOGUCHI_VOICE_END_OF_TURN_MS".to_owned(),
                "1000".to_owned(),
            ),
            ("MADOGUCHI_VOICE_FILLERS".to_owned(), "false".to_owned()),
            ("MADOGUCHI_VOICE_MAX_CALLS".to_owned(), "2".to_owned()),
        ];
        let config = Config::load(None, env.into_iter()).unwrap();
        assert_eq!(config.voice.end_of_turn_ms, 1000);
        assert!(!config.voice.fillers);
        assert_eq!(config.voice.max_calls, 2);
        assert!(config.voice.record_audio, "defaults for the rest");
        let typo = vec![("MADOGUCHI_VOICE_END_OF_TURN".to_owned(), "1".to_owned())];
        assert!(Config::load(None, typo.into_iter()).is_err());
    }

    #[test]
    fn phone_entrance_guards_come_from_the_file_and_the_environment() {
        let mut file = tempfile_in_target();
        writeln!(
            file.1,
            "[sip]\nallow_from = [\"10.0.0.5\", \"192.168.10.0/24\"]\n[twilio]\npublic_url = \"wss://yoyaku.example.jp\""
        )
        .unwrap();
        let config = Config::load(Some(&file.0), std::iter::empty()).unwrap();
        assert_eq!(config.sip.allow_from, ["10.0.0.5", "192.168.10.0/24"]);
        assert_eq!(config.twilio.auth_token, None);
        let env = vec![
            (
                "MADOGUCHI_SIP_ALLOW_FROM".to_owned(),
                "10.0.0.5, 10.1.0.0/16".to_owned(),
            ),
            (
                "MADOGUCHI_TWILIO_AUTH_TOKEN".to_owned(),
                "0123456789".to_owned(),
            ),
        ];
        let config = Config::load(Some(&file.0), env.into_iter()).unwrap();
        assert_eq!(config.sip.allow_from, ["10.0.0.5", "10.1.0.0/16"]);
        assert_eq!(config.twilio.auth_token.as_deref(), Some("0123456789"));
        assert_eq!(
            config.twilio.public_url.as_deref(),
            Some("wss://yoyaku.example.jp")
        );
        assert!(
            !format!("{config:?}").contains("0123456789"),
            "never logged"
        );
        let _ = std::fs::remove_file(&file.0);
        let defaults = Config::load(None, std::iter::empty()).unwrap();
        assert_eq!(defaults.sip.allow_from, ["127.0.0.0/8", "::1"]);
    }

    #[test]
    fn sip_and_speech_settings_come_from_the_environment() {
        let env = vec![
            (
                "MADOGUCHI_SIP_LISTEN".to_owned(),
                "127.0.0.1:5070".to_owned(),
            ),
            ("MADOGUCHI_SIP_USERNAME".to_owned(), "0586280000".to_owned()),
            ("MADOGUCHI_SIP_ENABLED".to_owned(), "false".to_owned()),
            ("MADOGUCHI_ASR_ENGINE".to_owned(), "openai".to_owned()),
            (
                "MADOGUCHI_ASR_BASE_URL".to_owned(),
                "http://gpu.local:8000".to_owned(),
            ),
            ("MADOGUCHI_ASR_MODEL".to_owned(), "whisper-1".to_owned()),
            ("MADOGUCHI_ASR_API_KEY".to_owned(), "12345".to_owned()),
        ];
        let config = Config::load(None, env.into_iter()).unwrap();
        assert_eq!(config.sip.listen, "127.0.0.1:5070");
        assert_eq!(config.sip.username.as_deref(), Some("0586280000"));
        assert!(!config.sip.enabled);
        assert!(matches!(
            config.asr,
            madoguchi_voice::speech::AsrConfig::OpenAi(ref c) if c.base_url == "http://gpu.local:8000"
        ));
        let defaults = Config::load(None, std::iter::empty()).unwrap();
        assert_eq!(defaults.sip.listen, "0.0.0.0:5060");
        assert!(defaults.sip.enabled && defaults.voice.enabled);
        assert!(matches!(
            defaults.asr,
            madoguchi_voice::speech::AsrConfig::Whisper(_)
        ));
    }

    #[test]
    fn sip_listens_on_the_web_host_unless_configured() {
        let web: std::net::SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let defaults = Config::load(None, std::iter::empty()).unwrap();
        assert_eq!(defaults.sip_config(web).listen, "127.0.0.1:5060");
        let public: std::net::SocketAddr = "0.0.0.0:80".parse().unwrap();
        assert_eq!(defaults.sip_config(public).listen, "0.0.0.0:5060");
        let v6: std::net::SocketAddr = "[::1]:8080".parse().unwrap();
        assert_eq!(defaults.sip_config(v6).listen, "[::1]:5060");
        let env = vec![("MADOGUCHI_SIP_LISTEN".to_owned(), "0.0.0.0:5070".to_owned())];
        let set = Config::load(None, env.into_iter()).unwrap();
        assert_eq!(set.sip_config(web).listen, "0.0.0.0:5070");
    }

    #[test]
    fn metrics_are_off_unless_a_listener_is_given() {
        let defaults = Config::load(None, std::iter::empty()).unwrap();
        assert_eq!(defaults.metrics.listen, None);
        let env = vec![(
            "MADOGUCHI_METRICS_LISTEN".to_owned(),
            "127.0.0.1:9090".to_owned(),
        )];
        let set = Config::load(None, env.into_iter()).unwrap();
        assert_eq!(set.metrics.listen.as_deref(), Some("127.0.0.1:9090"));
    }

    #[test]
    fn the_example_configuration_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../madoguchi.example.toml");
        let config = Config::load(Some(&path), std::iter::empty()).unwrap();
        assert_eq!(config.sip.listen, "0.0.0.0:5060");
        let only_workers = vec![("MADOGUCHI_ASR_WORKERS".to_owned(), "2".to_owned())];
        let config = Config::load(None, only_workers.into_iter()).unwrap();
        assert!(matches!(
            config.asr,
            madoguchi_voice::speech::AsrConfig::Whisper(ref w) if w.workers == 2
        ));
    }

    fn tempfile_in_target() -> (std::path::PathBuf, std::fs::File) {
        let path =
            std::env::temp_dir().join(format!("madoguchi-config-{}.toml", std::process::id()));
        let file = std::fs::File::create(&path).unwrap();
        (path, file)
    }
}
