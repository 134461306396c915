//! Staff accounts (admin only).

use super::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::response::Response;
use madoguchi_core::staff::Role;

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: AdminLayout,
}

pub(crate) async fn list(staff: Staff) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let page = UsersPage {
        layout: AdminLayout::new(&staff, "利用者管理", "/admin/users"),
    };
    Ok(render(&page))
}

async fn todo(staff: Staff) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    Err(AdminError::App(crate::AppError::NotFound))
}
pub(crate) async fn create(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn show(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn set_role(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn disable(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn enable(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn reset_password(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
pub(crate) async fn reset_totp(staff: Staff) -> Result<Response, AdminError> {
    todo(staff).await
}
