//! The database layout, on SQLite and on PostgreSQL: `src/db/schema.rs` (diesel's `table!`
//! declarations, kept by hand for both backends) names exactly the tables and columns the
//! migrations make, with matching types, nullability and primary keys; and the migrations run
//! up, down and up again, leaving nothing behind on the way down and the same layout at the
//! end. The migrations are read from `migrations/<backend>`, the directories the server embeds.

use std::collections::{BTreeMap, BTreeSet};

use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

use crate::both;
use crate::helpers::*;

/// One column: (name, type as the database or diesel names it, nullable).
type Columns = BTreeMap<String, (String, bool)>;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    columns: Columns,
    primary_key: Vec<String>,
}

/// Tables by name, and every other schema object (indexes, statistics…) by its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    tables: BTreeMap<String, Table>,
    others: BTreeSet<String>,
}

/// diesel's own bookkeeping table: not in schema.rs, and kept when every migration is reverted.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// The `table!` blocks of src/db/schema.rs. Strict: a line it does not understand fails the
/// test rather than being skipped, so the check cannot quietly miss a table or a column.
fn declared_tables() -> BTreeMap<String, Table> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/db/schema.rs");
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e} (if schema.rs moved, update tests/api/schema.rs)"));
    let head = regex::Regex::new(r"^(\w+) \(([\w, ]+)\) \{$").unwrap();
    let column = regex::Regex::new(r"^(\w+) -> (Nullable<(\w+)>|\w+),$").unwrap();
    let mut tables = BTreeMap::new();
    let mut lines = text.lines().map(str::trim).enumerate();
    while let Some((_, line)) = lines.next() {
        if !line.starts_with("diesel::table!") && !line.starts_with("table!") {
            continue;
        }
        let (n, line) = lines.next().expect("a table after table!");
        let h = head.captures(line).unwrap_or_else(|| panic!("schema.rs:{}: not a table head: {line}", n + 1));
        let name = h[1].to_string();
        let primary_key = h[2].split(',').map(|c| c.trim().to_string()).collect();
        let mut columns = Columns::new();
        for (n, line) in lines.by_ref() {
            if line == "}" {
                break;
            }
            let c = column.captures(line).unwrap_or_else(|| panic!("schema.rs:{}: not a column: {line}", n + 1));
            let (ty, nullable) = match c.get(3) {
                Some(inner) => (inner.as_str(), true),
                None => (&c[2], false),
            };
            assert!(columns.insert(c[1].to_string(), (ty.to_string(), nullable)).is_none(), "{name}.{} twice", &c[1]);
        }
        assert!(tables.insert(name.clone(), Table { columns, primary_key }).is_none(), "table {name} twice");
    }
    assert!(tables.len() > 10, "found only {} table! blocks in {path}", tables.len());
    tables
}

/// Whether a column of this database type reads and writes as this diesel type.
fn same_type(b: Backend, diesel_type: &str, db_type: &str) -> bool {
    let db = db_type.to_ascii_uppercase();
    match (b, diesel_type) {
        (Backend::Sqlite, "Text") => db == "TEXT",
        (Backend::Sqlite, "Integer") => db == "INTEGER",
        // SQLite stores every INTEGER in up to 8 bytes: BigInt reads an INTEGER column too.
        (Backend::Sqlite, "BigInt") => db == "BIGINT" || db == "INTEGER",
        (Backend::Sqlite, "Bool") => db == "BOOLEAN",
        (Backend::Sqlite, "Double") => db == "DOUBLE PRECISION" || db == "REAL",
        (Backend::Sqlite, "Binary") => db == "BLOB",
        (Backend::Postgres, "Text") => db == "TEXT",
        (Backend::Postgres, "Integer") => db == "INT4",
        (Backend::Postgres, "BigInt") => db == "INT8",
        (Backend::Postgres, "Bool") => db == "BOOL",
        (Backend::Postgres, "Double") => db == "FLOAT8",
        (Backend::Postgres, "Binary") => db == "BYTEA",
        _ => false,
    }
}

/// The search index's term store differs by backend (an FTS5 virtual table and its shadow
/// tables on SQLite, a `tsvector` table on PostgreSQL) and is reached by SQL in
/// `store::records::search`, not through schema.rs; the up-down-up check still covers it.
fn is_term_store(table: &str) -> bool {
    table == "record_terms" || table.starts_with("record_terms_")
}

/// Every difference between schema.rs and the migrated database, one line each.
fn differences(b: Backend, declared: &BTreeMap<String, Table>, actual: &BTreeMap<String, Table>) -> Vec<String> {
    let mut out = Vec::new();
    for name in actual.keys().filter(|t| !declared.contains_key(*t) && !is_term_store(t)) {
        out.push(format!("table {name}: made by the migrations, missing in schema.rs"));
    }
    for (name, d) in declared {
        let Some(a) = actual.get(name) else {
            out.push(format!("table {name}: in schema.rs, not made by the migrations"));
            continue;
        };
        if d.primary_key != a.primary_key {
            out.push(format!(
                "table {name}: primary key {:?} in schema.rs, {:?} in the database",
                d.primary_key, a.primary_key
            ));
        }
        for (col, (ty, nullable)) in &a.columns {
            match d.columns.get(col) {
                None => out.push(format!("{name}.{col} ({ty}): in the database, missing in schema.rs")),
                Some((dty, dnull)) => {
                    if !same_type(b, dty, ty) {
                        out.push(format!("{name}.{col}: {dty} in schema.rs, {ty} in the database"));
                    }
                    if dnull != nullable {
                        let says = |n: bool| if n { "nullable" } else { "NOT NULL" };
                        out.push(format!(
                            "{name}.{col}: {} in schema.rs, {} in the database",
                            says(*dnull),
                            says(*nullable)
                        ));
                    }
                }
            }
        }
        for col in d.columns.keys().filter(|c| !a.columns.contains_key(*c)) {
            out.push(format!("{name}.{col}: in schema.rs, not in the database"));
        }
    }
    out
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    ty: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    not_null: bool,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pk: i32,
}

fn sqlite_layout(conn: &mut diesel::SqliteConnection) -> Layout {
    let names: Vec<Name> = diesel::sql_query(format!(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '{MIGRATIONS_TABLE}'"
    ))
    .load(conn)
    .unwrap();
    let mut tables = BTreeMap::new();
    for Name { name } in names {
        let cols: Vec<SqliteColumn> = diesel::sql_query(format!(
            "SELECT name, type AS ty, \"notnull\" AS not_null, pk FROM pragma_table_info('{name}')"
        ))
        .load(conn)
        .unwrap();
        let mut pk: Vec<(i32, String)> = cols.iter().filter(|c| c.pk > 0).map(|c| (c.pk, c.name.clone())).collect();
        pk.sort();
        // A primary-key column reads as NOT NULL in diesel (as `diesel print-schema` has it).
        let columns = cols.into_iter().map(|c| (c.name, (c.ty, !c.not_null && c.pk == 0))).collect();
        tables.insert(name, Table { columns, primary_key: pk.into_iter().map(|(_, c)| c).collect() });
    }
    let others: Vec<Name> = diesel::sql_query(format!(
        "SELECT type || ' ' || name || ': ' || COALESCE(sql, '(automatic)') AS name FROM sqlite_master \
         WHERE type <> 'table' AND tbl_name <> '{MIGRATIONS_TABLE}'"
    ))
    .load(conn)
    .unwrap();
    Layout { tables, others: others.into_iter().map(|n| n.name).collect() }
}

#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    udt_name: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct PgKey {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    column_name: String,
}

fn pg_layout(conn: &mut diesel::PgConnection) -> Layout {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    let names: Vec<Name> = diesel::sql_query(format!(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '{MIGRATIONS_TABLE}'"
    ))
    .load(conn)
    .unwrap();
    for Name { name } in names {
        tables.insert(name, Table { columns: Columns::new(), primary_key: vec![] });
    }
    let cols: Vec<PgColumn> = diesel::sql_query(
        "SELECT table_name::text, column_name::text, udt_name::text, is_nullable = 'YES' AS nullable \
         FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
    )
    .load(conn)
    .unwrap();
    for c in cols {
        if let Some(t) = tables.get_mut(&c.table_name) {
            t.columns.insert(c.column_name, (c.udt_name, c.nullable));
        }
    }
    let keys: Vec<PgKey> = diesel::sql_query(
        "SELECT k.table_name::text, k.column_name::text FROM information_schema.table_constraints c \
         JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name \
           AND k.table_schema = c.table_schema AND k.table_name = c.table_name \
         WHERE c.constraint_type = 'PRIMARY KEY' AND c.table_schema = 'public' \
         ORDER BY k.table_name, k.ordinal_position",
    )
    .load(conn)
    .unwrap();
    for k in keys {
        if let Some(t) = tables.get_mut(&k.table_name) {
            t.primary_key.push(k.column_name);
        }
    }
    // Everything else in the schema that the migrations made (not what an extension brings):
    // relations (indexes, sequences, views…), extended statistics, triggers, functions.
    let others: Vec<Name> = diesel::sql_query(format!(
        "SELECT 'relation ' || c.relkind::text || ' ' || c.relname || COALESCE(': ' || pg_get_indexdef(i.indexrelid), '') AS name \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_index i ON i.indexrelid = c.oid \
          WHERE n.nspname = 'public' AND c.relkind <> 'r' \
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') \
            AND NOT (c.relkind = 'i' AND i.indrelid = '{MIGRATIONS_TABLE}'::regclass) \
         UNION ALL SELECT 'statistics ' || s.stxname::text FROM pg_statistic_ext s \
           JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE n.nspname = 'public' \
         UNION ALL SELECT 'trigger ' || t.tgname::text FROM pg_trigger t WHERE NOT t.tgisinternal \
         UNION ALL SELECT 'function ' || p.proname::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
          WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
    ))
    .load(conn)
    .unwrap();
    Layout { tables, others: others.into_iter().map(|n| n.name).collect() }
}

/// Migrations up, layout, all down, layout, up again, layout (or why down or up again failed:
/// reported after the comparison with schema.rs).
fn up_down_up<C>(
    conn: &mut C,
    dir: &str,
    layout: impl Fn(&mut C) -> Layout,
) -> (Layout, Result<(Layout, Layout), String>)
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let migrations = FileBasedMigrations::from_path(dir).unwrap_or_else(|e| panic!("{dir}: {e}"));
    let applied = conn.run_pending_migrations(migrations.clone()).expect("migrations up").len();
    assert!(applied > 0, "no migration in {dir}");
    let up = layout(conn);
    let reverted = match conn.revert_all_migrations(migrations.clone()) {
        Ok(v) => v.len(),
        Err(e) => return (up, Err(format!("migrations down: {e}"))),
    };
    if reverted != applied {
        return (up, Err(format!("{applied} migrations up, {reverted} down")));
    }
    let down = layout(conn);
    if let Err(e) = conn.run_pending_migrations(migrations) {
        return (up, Err(format!("migrations up again: {e}")));
    }
    let again = layout(conn);
    (up, Ok((down, again)))
}

fn schema_rs_matches_the_migrations_which_run_up_down_and_up(b: Backend) {
    let dir = match b {
        Backend::Sqlite => concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"),
        Backend::Postgres => concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"),
    };
    let tmp = tempfile::tempdir().unwrap();
    let (up, rest) = match b {
        Backend::Sqlite => {
            let path = tmp.path().join("layout.db");
            let mut conn = diesel::SqliteConnection::establish(path.to_str().unwrap()).unwrap();
            up_down_up(&mut conn, dir, sqlite_layout)
        }
        Backend::Postgres => {
            let db = fresh_pg_database();
            let mut conn = diesel::PgConnection::establish(&db.url).unwrap();
            up_down_up(&mut conn, dir, pg_layout)
        }
    };
    let diff = differences(b, &declared_tables(), &up.tables);
    assert!(
        diff.is_empty(),
        "src/db/schema.rs 与 {b:?} 迁移不一致 / does not match the {b:?} migrations:\n  {}",
        diff.join("\n  ")
    );
    let (down, again) = rest.unwrap_or_else(|e| panic!("{b:?}: {e}"));
    assert!(
        down.tables.is_empty() && down.others.is_empty(),
        "{b:?}: reverting every migration left {:?} and {:?}",
        down.tables.keys().collect::<Vec<_>>(),
        down.others
    );
    assert_eq!(again, up, "{b:?}: up, down and up again gives another layout");
}

both!(schema_rs_matches_the_migrations_which_run_up_down_and_up);

/// Both backends have the same migrations (a change made on one only would otherwise surface
/// as a difference from schema.rs on the other, or not at all when it is not a column).
#[test]
fn both_backends_have_the_same_migrations() {
    let names = |backend: &str| -> BTreeSet<String> {
        let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap())
            .filter(|e| e.path().is_dir())
            .map(|e| {
                for f in ["up.sql", "down.sql"] {
                    assert!(e.path().join(f).is_file(), "{}/{f} is missing", e.path().display());
                }
                e.file_name().to_string_lossy().into_owned()
            })
            .collect()
    };
    let (sqlite, postgres) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres differ");
}
