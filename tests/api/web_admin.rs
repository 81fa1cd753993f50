//! The web client's 单位管理, 平台管理, 修改密码 and 个人设置 pages (issue 10), in a real Chromium and over plain HTTP.
