//! Message templates (B3): every saved version is kept; the newest per
//! event is in force. Checking and rendering live in `madoguchi-notify`.

use crate::outbox::NoticeEvent;
use crate::{Result, Store, StoreError, read, write_tx};
use chrono::{DateTime, Utc};

/// One saved version of the templates of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    pub id: i64,
    pub event: NoticeEvent,
    pub sms_body: String,
    pub email_subject: String,
    pub email_body: String,
    /// The staff account that saved it.
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}

type VersionRow = (i64, String, String, String, String, String, i64);

fn into_version(row: VersionRow) -> Result<TemplateVersion> {
    let (id, event, sms_body, email_subject, email_body, saved_by, saved_at) = row;
    Ok(TemplateVersion {
        id,
        event: NoticeEvent::parse(&event)
            .ok_or_else(|| StoreError::Corrupt(format!("template event: {event}")))?,
        sms_body,
        email_subject,
        email_body,
        saved_by,
        saved_at: crate::rows::instant(saved_at)?,
    })
}

const COLUMNS: &str = "id, event, sms_body, email_subject, email_body, saved_by, saved_at";

impl Store {
    /// The version of `event`'s templates in force, or None while the
    /// built-in defaults apply.
    pub async fn notify_template(&self, event: NoticeEvent) -> Result<Option<TemplateVersion>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM notify_templates WHERE event = $1 ORDER BY id DESC LIMIT 1"
        );
        let row: Option<VersionRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(event.as_str()).fetch_optional(pool).await?
        });
        row.map(into_version).transpose()
    }

    /// Every saved version of `event`'s templates, newest first.
    pub async fn notify_template_history(
        &self,
        event: NoticeEvent,
    ) -> Result<Vec<TemplateVersion>> {
        let sql =
            format!("SELECT {COLUMNS} FROM notify_templates WHERE event = $1 ORDER BY id DESC");
        let rows: Vec<VersionRow> = read!(self, pool => {
            sqlx::query_as(&sql).bind(event.as_str()).fetch_all(pool).await?
        });
        rows.into_iter().map(into_version).collect()
    }

    /// Saves a new version of `event`'s templates (already checked by the
    /// caller). Returns its id.
    pub async fn save_notify_template(
        &self,
        event: NoticeEvent,
        sms_body: &str,
        email_subject: &str,
        email_body: &str,
        saved_by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let (id,): (i64,) = write_tx!(self, tx => {
            sqlx::query_as(
                "INSERT INTO notify_templates (event, sms_body, email_subject, email_body, saved_by, saved_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(event.as_str())
            .bind(sms_body)
            .bind(email_subject)
            .bind(email_body)
            .bind(saved_by)
            .bind(now.timestamp())
            .fetch_one(&mut *tx)
            .await?
        });
        Ok(id)
    }
}
