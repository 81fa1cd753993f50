//! The problem-category taxonomy (问题类别): seeded on migration-time start, extensible.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::categories;
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = categories)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub sort_order: i32,
}

/// The seeded taxonomy: the three big areas, the six disciplines, the eight-point rules.
pub const SEED: &[(&str, &str, Option<&str>)] = &[
    ("leadership", "党的领导弱化", None),
    ("party_building", "党的建设缺失", None),
    ("strict_governance", "全面从严治党不力", None),
    ("political", "政治纪律", Some("strict_governance")),
    ("organizational", "组织纪律", Some("strict_governance")),
    ("integrity", "廉洁纪律", Some("strict_governance")),
    ("mass", "群众纪律", Some("strict_governance")),
    ("work", "工作纪律", Some("strict_governance")),
    ("life", "生活纪律", Some("strict_governance")),
    ("eight_point", "中央八项规定精神", Some("strict_governance")),
];

pub fn seed(conn: &mut DbConnection) -> QueryResult<()> {
    let existing: i64 = categories::table.count().get_result(conn)?;
    if existing > 0 {
        return Ok(());
    }
    let rows: Vec<Category> = SEED
        .iter()
        .enumerate()
        .map(|(i, (code, name, parent))| Category {
            code: code.to_string(),
            name: name.to_string(),
            parent_code: parent.map(str::to_string),
            sort_order: i as i32,
        })
        .collect();
    crate::insert_batch!(conn, categories::table, &rows)?;
    Ok(())
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Category>> {
    categories::table.order(categories::sort_order).select(Category::as_select()).load(conn)
}

/// Records name their category by its Chinese name (e.g. 廉洁纪律) or by its code.
pub fn resolve(conn: &mut DbConnection, name_or_code: &str) -> QueryResult<Option<String>> {
    categories::table
        .filter(categories::name.eq(name_or_code).or(categories::code.eq(name_or_code)))
        .select(categories::name)
        .first(conn)
        .optional()
}
