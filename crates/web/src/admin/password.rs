//! Password hashes: Argon2id with the crate's defaults (19 MiB, 2 passes,
//! OWASP's recommendation), in the PHC string format. Hashing runs on the
//! blocking pool so that it does not stall other requests.

use crate::AppError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;

/// Hashes a password for storage.
pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    let salt_bytes: [u8; 16] = rand::random();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| AppError::internal(format!("password salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(format!("password hash: {e}")))
}

/// Whether `password` matches the stored `hash`.
pub fn verify_password_blocking(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub(crate) async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| AppError::internal(format!("hashing task: {e}")))?
}

pub(crate) async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password_blocking(&hash, &password))
        .await
        .unwrap_or(false)
}

/// A hash of nothing anyone knows, checked when the user name is unknown so
/// that a wrong name takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let random: [u8; 16] = rand::random();
    let text: String = random.iter().map(|b| format!("{b:02x}")).collect();
    hash_password_blocking(&text).unwrap_or_default()
});

/// Spends the time of one verification and fails.
pub(crate) async fn verify_nothing(password: String) {
    tokio::task::spawn_blocking(move || {
        let _ = verify_password_blocking(&DUMMY_HASH, &password);
    })
    .await
    .ok();
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password_blocking(&hash, "correct horse battery"));
        assert!(!verify_password_blocking(&hash, "correct horse batterx"));
        assert!(!verify_password_blocking("not a hash", "x"));
    }
}
