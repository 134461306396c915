//! The access log page and its CSV export (admin only).

use super::{AdminError, AdminLayout, Staff};
use crate::views::render;
use askama::Template;
use axum::response::Response;
use madoguchi_core::staff::Role;

#[derive(Template)]
#[template(path = "admin/access_log.html")]
struct AccessLogPage {
    layout: AdminLayout,
}

pub(crate) async fn page(staff: Staff) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    let page = AccessLogPage {
        layout: AdminLayout::new(&staff, "アクセスログ", "/admin/access-log"),
    };
    Ok(render(&page))
}

pub(crate) async fn csv(staff: Staff) -> Result<Response, AdminError> {
    staff.require(Role::Admin)?;
    Err(AdminError::App(crate::AppError::NotFound))
}
