//! What the browser keeps between pages, in encrypted HttpOnly cookies:
//! the CSRF token, the eligibility confirmation and the right to manage one
//! booking after a successful look-up.

use crate::AppError;
use axum_extra::extract::PrivateCookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, Utc};
use madoguchi_core::contact::PhoneNumber;
use madoguchi_core::reservation_no::ReservationNo;
use rand::Rng;
use serde::{Deserialize, Serialize};

const CSRF: &str = "madoguchi_csrf";
const ELIGIBLE: &str = "madoguchi_eligible";
const MANAGE: &str = "madoguchi_manage";

/// How long a look-up lets the resident manage the booking without asking
/// again.
const MANAGE_MINUTES: i64 = 30;

fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .build()
}

/// The CSRF token of this browser, created on first use.
pub fn csrf_token(jar: PrivateCookieJar, secure: bool) -> (PrivateCookieJar, String) {
    if let Some(existing) = jar.get(CSRF) {
        let token = existing.value().to_owned();
        return (jar, token);
    }
    let bytes: [u8; 24] = rand::rng().random();
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    (jar.add(cookie(CSRF, token.clone(), secure)), token)
}

/// Checks the token a form sent against the browser's cookie.
pub fn check_csrf(jar: &PrivateCookieJar, submitted: &str) -> Result<(), AppError> {
    let expected = jar
        .get(CSRF)
        .ok_or(AppError::Forbidden("missing CSRF cookie"))?;
    let a = expected.value().as_bytes();
    let b = submitted.as_bytes();
    // Compare without stopping at the first difference.
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(AppError::Forbidden("CSRF token mismatch"))
    }
}

/// Whether this browser confirmed the current eligibility checklist.
pub fn is_eligible(jar: &PrivateCookieJar, checklist_version: &str) -> bool {
    jar.get(ELIGIBLE)
        .is_some_and(|c| c.value() == checklist_version)
}

pub fn set_eligible(
    jar: PrivateCookieJar,
    checklist_version: &str,
    secure: bool,
) -> PrivateCookieJar {
    jar.add(cookie(ELIGIBLE, checklist_version.to_owned(), secure))
}

/// The booking this browser may manage, proven by number and phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManageGrant {
    pub number: ReservationNo,
    pub phone: PhoneNumber,
}

#[derive(Serialize, Deserialize)]
struct GrantCookie {
    no: String,
    phone: String,
    exp: i64,
}

pub fn manage_grant(jar: &PrivateCookieJar, now: DateTime<Utc>) -> Option<ManageGrant> {
    let raw = jar.get(MANAGE)?;
    let grant: GrantCookie = serde_json::from_str(raw.value()).ok()?;
    if grant.exp < now.timestamp() {
        return None;
    }
    Some(ManageGrant {
        number: ReservationNo::parse(&grant.no).ok()?,
        phone: PhoneNumber::parse(&grant.phone).ok()?,
    })
}

pub fn set_manage_grant(
    jar: PrivateCookieJar,
    grant: &ManageGrant,
    now: DateTime<Utc>,
    secure: bool,
) -> PrivateCookieJar {
    let value = GrantCookie {
        no: grant.number.as_str().to_owned(),
        phone: grant.phone.as_str().to_owned(),
        exp: now.timestamp() + MANAGE_MINUTES * 60,
    };
    match serde_json::to_string(&value) {
        Ok(json) => jar.add(cookie(MANAGE, json, secure)),
        Err(_) => jar,
    }
}

pub fn clear_manage_grant(jar: PrivateCookieJar) -> PrivateCookieJar {
    jar.remove(Cookie::build(MANAGE).path("/"))
}
