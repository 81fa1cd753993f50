//! The web client's 平台管理 pages (issue 10): units, groups, agreements and the audit log.
