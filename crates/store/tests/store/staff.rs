//! Staff accounts, sessions and the access log on both backends.

use crate::harness::TestDb;
use chrono::{DateTime, Duration, Utc};
use madoguchi_core::staff::{Login, Role};
use madoguchi_store::{
    AccessFilter, AccessResult, NewAccessEntry, NewStaffUser, SessionPolicy, StaffError,
};

on_both_backends! {
    #[tokio::test]
    accounts_are_unique_by_name_and_the_last_admin_stays,
    sessions_end_when_idle_expired_signed_out_or_disabled,
    five_failures_lock_an_account_until_the_lock_passes,
    the_access_log_filters_by_time_actor_function_and_result,
}

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:00:00+09:00")
        .unwrap()
        .with_timezone(&Utc)
}

fn new_user(login: &str, role: Role) -> NewStaffUser {
    NewStaffUser {
        login: Login::parse(login).unwrap(),
        display_name: login.to_owned(),
        role,
        password_hash: "$argon2id$not-checked-here".to_owned(),
    }
}

async fn accounts_are_unique_by_name_and_the_last_admin_stays(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let admin = store
        .create_staff_user(&new_user("admin", Role::Admin), t0())
        .await?;
    assert!(matches!(
        store
            .create_staff_user(&new_user("ADMIN", Role::Staff), t0())
            .await,
        Err(StaffError::LoginTaken)
    ));
    let staff = store
        .create_staff_user(&new_user("tanaka", Role::Staff), t0())
        .await?;
    assert!(matches!(
        store.set_staff_role(admin, Role::Viewer, t0()).await,
        Err(StaffError::LastAdmin)
    ));
    assert!(matches!(
        store.set_staff_disabled(admin, true, t0()).await,
        Err(StaffError::LastAdmin)
    ));
    store.set_staff_role(staff, Role::Admin, t0()).await?;
    store.set_staff_disabled(admin, true, t0()).await?;
    let users = store.staff_users().await?;
    assert_eq!(users.len(), 2);
    assert!(users.iter().any(|u| u.id == admin && u.disabled));
    assert!(store.has_enabled_admin().await?);
    assert!(matches!(
        store.set_staff_role(999_999, Role::Staff, t0()).await,
        Err(StaffError::NotFound)
    ));
    Ok(())
}

async fn sessions_end_when_idle_expired_signed_out_or_disabled(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    store
        .create_staff_user(&new_user("admin", Role::Admin), t0())
        .await?;
    let id = store
        .create_staff_user(&new_user("sato", Role::Staff), t0())
        .await?;
    let policy = SessionPolicy::default();
    let s = store.create_staff_session(id, true, policy, t0()).await?;
    let live = store
        .staff_session(&s.token, policy, t0() + Duration::minutes(29))
        .await?;
    assert_eq!(live.unwrap().user.id, id);
    assert!(
        store
            .staff_session("not-a-token", policy, t0())
            .await?
            .is_none()
    );
    // Used at 29 min, so alive at 58 min; idle past 30 min after that ends it.
    assert!(
        store
            .staff_session(&s.token, policy, t0() + Duration::minutes(58))
            .await?
            .is_some()
    );
    assert!(
        store
            .staff_session(&s.token, policy, t0() + Duration::minutes(89))
            .await?
            .is_none()
    );

    let s = store.create_staff_session(id, true, policy, t0()).await?;
    store.end_staff_session(&s.token).await?;
    assert!(store.staff_session(&s.token, policy, t0()).await?.is_none());

    let s = store.create_staff_session(id, true, policy, t0()).await?;
    store.set_staff_disabled(id, true, t0()).await?;
    assert!(store.staff_session(&s.token, policy, t0()).await?.is_none());

    // A password change ends the other sessions, not the one making it.
    store.set_staff_disabled(id, false, t0()).await?;
    let mine = store.create_staff_session(id, true, policy, t0()).await?;
    let other = store.create_staff_session(id, true, policy, t0()).await?;
    store
        .set_staff_password(id, "$argon2id$new", Some(&mine.token), t0())
        .await?;
    assert!(
        store
            .staff_session(&mine.token, policy, t0())
            .await?
            .is_some()
    );
    assert!(
        store
            .staff_session(&other.token, policy, t0())
            .await?
            .is_none()
    );
    Ok(())
}

async fn five_failures_lock_an_account_until_the_lock_passes(db: TestDb) -> anyhow::Result<()> {
    let store = &db.store;
    let id = store
        .create_staff_user(&new_user("ito", Role::Viewer), t0())
        .await?;
    for _ in 0..4 {
        assert!(
            !store
                .record_signin_failure(id, 5, Duration::minutes(15), t0())
                .await?
        );
    }
    assert!(
        store
            .record_signin_failure(id, 5, Duration::minutes(15), t0())
            .await?
    );
    let user = store.find_staff_user(id).await?.unwrap();
    assert!(user.is_locked(t0() + Duration::minutes(14)));
    assert!(!user.is_locked(t0() + Duration::minutes(15)));
    // A TOTP step is accepted once only.
    assert!(store.use_totp_step(id, 100).await?);
    assert!(!store.use_totp_step(id, 100).await?);
    assert!(!store.use_totp_step(id, 99).await?);
    assert!(store.use_totp_step(id, 101).await?);
    Ok(())
}

async fn the_access_log_filters_by_time_actor_function_and_result(
    db: TestDb,
) -> anyhow::Result<()> {
    let store = &db.store;
    let entries = [
        (0, "staff:1", "admin.signin", AccessResult::Ok),
        (10, "anonymous", "admin.signin", AccessResult::Failed),
        (20, "citizen", "booking.create", AccessResult::Ok),
        (30, "citizen", "booking.lookup", AccessResult::Failed),
        (40, "staff:2", "admin.denied", AccessResult::Denied),
    ];
    for (minutes, actor, function, result) in entries {
        store
            .record_access(&NewAccessEntry {
                at: t0() + Duration::minutes(minutes),
                actor: actor.to_owned(),
                function: function.to_owned(),
                target: "booking:1".to_owned(),
                client_ip: "192.0.2.1".to_owned(),
                result,
            })
            .await?;
    }
    let all = store
        .access_log(&AccessFilter {
            limit: 100,
            ..Default::default()
        })
        .await?;
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].function, "admin.denied", "newest first");
    let q = |f: AccessFilter| async move {
        store
            .access_log(&AccessFilter { limit: 100, ..f })
            .await
            .map(|v| v.into_iter().map(|e| e.function).collect::<Vec<_>>())
    };
    assert_eq!(
        q(AccessFilter {
            from: Some(t0() + Duration::minutes(10)),
            until: Some(t0() + Duration::minutes(30)),
            ..Default::default()
        })
        .await?,
        ["booking.create", "admin.signin"]
    );
    assert_eq!(
        q(AccessFilter {
            actor: Some("citizen".into()),
            ..Default::default()
        })
        .await?,
        ["booking.lookup", "booking.create"]
    );
    assert_eq!(
        q(AccessFilter {
            function: Some("booking.".into()),
            ..Default::default()
        })
        .await?,
        ["booking.lookup", "booking.create"]
    );
    assert_eq!(
        q(AccessFilter {
            function: Some("admin.signin".into()),
            result: Some(AccessResult::Failed),
            ..Default::default()
        })
        .await?,
        ["admin.signin"]
    );
    let page = store
        .access_log(&AccessFilter {
            limit: 2,
            ..Default::default()
        })
        .await?;
    let next = q(AccessFilter {
        before_id: Some(page[1].id),
        ..Default::default()
    })
    .await?;
    assert_eq!(next.len(), 3);
    Ok(())
}
