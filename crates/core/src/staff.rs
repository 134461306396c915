//! City staff who use the admin console: roles and the password rule.
//!
//! Pure: hashing and storage live in `web` and `store`.

use std::fmt;

/// What a staff account may do. Ordered: each role can do everything the
/// roles below it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// 閲覧: reads bookings, schedules and lists; changes nothing.
    Viewer,
    /// 職員: bookings and schedules (book for a caller, change, cancel).
    Staff,
    /// 管理者: everything, including accounts, settings and exports.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Staff, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, RoleError> {
        match s.trim() {
            "viewer" => Ok(Role::Viewer),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            _ => Err(RoleError),
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Viewer => "閲覧",
            Role::Staff => "職員",
            Role::Admin => "管理者",
        }
    }

    /// Whether this role may do what `required` may do.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role (expected admin, staff or viewer)")]
pub struct RoleError;

/// The shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const PASSWORD_MAX_CHARS: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password shorter than {PASSWORD_MIN_CHARS} characters")]
    TooShort,
    #[error("password longer than {PASSWORD_MAX_CHARS} characters")]
    TooLong,
    #[error("password is the same as the user name")]
    SameAsLogin,
}

impl PasswordError {
    pub fn message_ja(&self) -> &'static str {
        match self {
            PasswordError::TooShort => "パスワードは12文字以上にしてください。",
            PasswordError::TooLong => "パスワードは256文字以内にしてください。",
            PasswordError::SameAsLogin => "ユーザー名と同じパスワードは使えません。",
        }
    }
}

/// Checks a new password: at least [`PASSWORD_MIN_CHARS`] characters and
/// not the user name. Length is what matters most (NIST SP 800-63B); no
/// composition rules.
pub fn check_password(login: &str, password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > PASSWORD_MAX_CHARS {
        return Err(PasswordError::TooLong);
    }
    if password.trim().eq_ignore_ascii_case(login.trim()) {
        return Err(PasswordError::SameAsLogin);
    }
    Ok(())
}

/// A sign-in name: 1–32 ASCII letters, digits, `.`, `_`, `-`; kept in lower
/// case so that `Tanaka` and `tanaka` are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Login(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a user name is 1-32 letters, digits, '.', '_' or '-'")]
pub struct LoginError;

impl LoginError {
    pub fn message_ja(&self) -> &'static str {
        "ユーザー名は半角英数字と . _ - の32文字以内で入力してください。"
    }
}

impl Login {
    pub fn parse(s: &str) -> Result<Self, LoginError> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Login(s.to_ascii_lowercase()))
        } else {
            Err(LoginError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn roles_are_ordered_admin_over_staff_over_viewer() {
        assert!(Role::Admin.allows(Role::Staff));
        assert!(Role::Admin.allows(Role::Viewer));
        assert!(Role::Staff.allows(Role::Viewer));
        assert!(!Role::Staff.allows(Role::Admin));
        assert!(!Role::Viewer.allows(Role::Staff));
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn passwords_need_twelve_characters_counted_as_characters() {
        assert_eq!(
            check_password("tanaka", "short-pass1"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(check_password("tanaka", "long-enough-1"), Ok(()));
        // Twelve Japanese characters are twelve, not 36 bytes.
        assert_eq!(
            check_password("tanaka", "いちのみやしやくしょまどぐ"),
            Ok(())
        );
        assert_eq!(
            check_password("tanaka", "いちのみやしやくしょ"),
            Err(PasswordError::TooShort)
        );
        assert_eq!(
            check_password("administrator", "Administrator"),
            Err(PasswordError::SameAsLogin)
        );
    }

    #[test]
    fn logins_are_ascii_and_case_insensitive() {
        assert_eq!(Login::parse(" Tanaka.K ").unwrap().as_str(), "tanaka.k");
        assert!(Login::parse("").is_err());
        assert!(Login::parse("田中").is_err());
        assert!(Login::parse("a b").is_err());
        assert!(Login::parse(&"a".repeat(33)).is_err());
    }
}
