//! `madoguchi admin …`: staff accounts from the command line (the first
//! administrator, password resets when nobody can sign in), and the demo
//! administrator of `serve --demo`.

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Subcommand;
use madoguchi_core::staff::{Login, Role, check_password};
use madoguchi_store::{NewStaffUser, StaffError, Store};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Create a staff account; the password is asked twice (not shown), or
    /// read from standard input with --password-stdin.
    CreateUser {
        /// admin (管理者), staff (職員) or viewer (閲覧)
        #[arg(long)]
        role: String,
        /// Name shown in the console [default: the user name]
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Sign-in name: letters, digits, '.', '_', '-'
        name: String,
    },
    /// Set a new password (also unlocks the account and ends its sessions).
    SetPassword {
        #[arg(long)]
        password_stdin: bool,
        name: String,
    },
    /// Disable an account and end its sessions.
    DisableUser { name: String },
    /// Enable a disabled account.
    EnableUser { name: String },
    /// List the accounts.
    ListUsers,
}

pub async fn run(store: &Store, command: AdminCommand, now: DateTime<Utc>) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateUser {
            role,
            display_name,
            password_stdin,
            name,
        } => {
            let role = Role::parse(&role).map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let login = Login::parse(&name).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
            let password = read_password(&login, password_stdin)?;
            let password_hash = madoguchi_web::hash_password(&password)?;
            let user = NewStaffUser {
                display_name: display_name.unwrap_or_else(|| login.as_str().to_owned()),
                login: login.clone(),
                role,
                password_hash,
            };
            match store.create_staff_user(&user, now).await {
                Ok(id) => println!("user {login} created (id {id}, role {role})"),
                Err(StaffError::LoginTaken) => bail!("a user named {login} exists already"),
                Err(e) => return Err(e.into()),
            }
        }
        AdminCommand::SetPassword {
            password_stdin,
            name,
        } => {
            let (login, id) = find(store, &name).await?;
            let password = read_password(&login, password_stdin)?;
            let hash = madoguchi_web::hash_password(&password)?;
            store.set_staff_password(id, &hash, None, now).await?;
            println!("password of {login} set; its sessions were ended");
        }
        AdminCommand::DisableUser { name } => {
            let (login, id) = find(store, &name).await?;
            match store.set_staff_disabled(id, true, now).await {
                Ok(()) => println!("user {login} disabled"),
                Err(StaffError::LastAdmin) => {
                    bail!("{login} is the last enabled administrator and stays enabled")
                }
                Err(e) => return Err(e.into()),
            }
        }
        AdminCommand::EnableUser { name } => {
            let (login, id) = find(store, &name).await?;
            store.set_staff_disabled(id, false, now).await?;
            println!("user {login} enabled");
        }
        AdminCommand::ListUsers => {
            for user in store.staff_users().await? {
                println!(
                    "{}\t{}\t{}{}",
                    user.login,
                    user.role,
                    if user.disabled { "disabled" } else { "enabled" },
                    if user.totp_secret.is_some() {
                        "\ttotp"
                    } else {
                        ""
                    }
                );
            }
        }
    }
    Ok(())
}

async fn find(store: &Store, name: &str) -> anyhow::Result<(Login, i64)> {
    let login = Login::parse(name).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let user = store
        .find_staff_user_by_login(&login)
        .await?
        .with_context(|| format!("no user named {login}"))?;
    Ok((login, user.id))
}

fn read_password(login: &Login, from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("パスワード（12文字以上）: ")
            .context("reading the password")?;
        let second = rpassword::prompt_password("もう一度: ").context("reading the password")?;
        if first != second {
            bail!("the two passwords differ");
        }
        first
    };
    check_password(login.as_str(), &password).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(password)
}

/// For `serve --demo`: creates the administrator `admin` with a random
/// password when no enabled administrator exists, and returns the
/// password (to be shown once).
pub async fn ensure_demo_admin(
    store: &Store,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(String, String)>> {
    if store.has_enabled_admin().await? {
        return Ok(None);
    }
    let login = Login::parse("admin").map_err(|e| anyhow::anyhow!("{e}"))?;
    if store.find_staff_user_by_login(&login).await?.is_some() {
        // A disabled "admin" exists; leave accounts to the operators.
        return Ok(None);
    }
    let bytes: [u8; 12] = rand::random();
    let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let user = NewStaffUser {
        login: login.clone(),
        display_name: "デモ管理者".to_owned(),
        role: Role::Admin,
        password_hash: madoguchi_web::hash_password(&password)?,
    };
    match store.create_staff_user(&user, now).await {
        Ok(_) => Ok(Some((login.as_str().to_owned(), password))),
        Err(StaffError::LoginTaken) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
