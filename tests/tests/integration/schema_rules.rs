//! The storage rules (docs/architecture.md, "Storage") as a test: reads the live catalog of a
//! migrated database on each backend and fails if a tenant-owned table lacks a NOT NULL
//! `tenant_id`, the `(tenant_id, id)` primary key, tenant-composite foreign keys or an index
//! leading with `tenant_id` (and, on PostgreSQL, forced row-level security).

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};
use guardia_backend::db::schema::TENANT_OWNED_TABLES;
use guardia_tests::{Backend, TestDb, both_backends};

#[derive(Debug, Default)]
pub struct TableFacts {
    pub columns: Vec<(String, bool)>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    pub indexes: Vec<Vec<String>>,
}

#[derive(Debug, Default, Clone)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub parent: String,
    pub parent_columns: Vec<String>,
}

/// The global exceptions: `login(email, password)` names no tenant, so the login scope finds a
/// person's memberships by email, and a person's by identity, across tenants (neither unique:
/// an email is unique per tenant, and per person in `identities`).
const GLOBAL_INDEXES: &[(&str, &[&str])] = &[("users", &["email"]), ("users", &["identity_id"])];

async fn tenant_tables_follow_the_rules(backend: Backend) {
    let test_db = TestDb::migrated(backend).await;
    let mut expected: Vec<&str> = TENANT_OWNED_TABLES.to_vec();
    expected.extend(["tenants", "identities", "session_generation"]);
    expected.sort_unstable();
    assert_eq!(
        live_tables(&test_db).await,
        expected,
        "every table is tenants, identities (people, each in any number of tenants), the \
         session generation (one counter, no tenant's data) or tenant-owned"
    );

    for table in TENANT_OWNED_TABLES {
        let facts = table_facts(&test_db, table).await;
        let broken = rule_violations(table, &facts);
        assert!(broken.is_empty(), "{backend:?} {table}: {broken:#?}\n{facts:#?}");
    }
    if backend == Backend::Postgres {
        assert_row_level_security_forced(&test_db).await;
    }
}

both_backends!(tenant_tables_follow_the_rules);

fn rule_violations(table: &str, facts: &TableFacts) -> Vec<String> {
    let mut broken = Vec::new();
    match facts.columns.iter().find(|(name, _)| name == "tenant_id") {
        None => broken.push("no tenant_id column".to_owned()),
        Some((_, false)) => broken.push("tenant_id is nullable".to_owned()),
        Some(_) => {}
    }
    if facts.primary_key != ["tenant_id", "id"] {
        broken.push(format!(
            "primary key is {:?}, not (tenant_id, id)",
            facts.primary_key
        ));
    }
    let to_tenants = facts
        .foreign_keys
        .iter()
        .any(|fk| fk.parent == "tenants" && fk.columns == ["tenant_id"] && fk.parent_columns == ["code"]);
    if !to_tenants {
        broken.push("no foreign key tenant_id → tenants(code)".to_owned());
    }
    // A membership names its person, who is no tenant's: the one reference out of a tenant.
    let to_people =
        |fk: &&ForeignKey| table == "users" && fk.parent == "identities" && fk.columns == ["identity_id"];
    for fk in facts
        .foreign_keys
        .iter()
        .filter(|fk| fk.parent != "tenants" && !to_people(fk))
    {
        let composite = fk.columns.len() >= 2
            && fk.columns.first().is_some_and(|c| c == "tenant_id")
            && fk.parent_columns.first().is_some_and(|c| c == "tenant_id");
        if !composite {
            broken.push(format!("foreign key {fk:?} does not include tenant_id"));
        }
    }
    if !facts
        .indexes
        .iter()
        .any(|cols| cols.first().is_some_and(|c| c == "tenant_id"))
    {
        broken.push("no index leads with tenant_id".to_owned());
    }
    for index in &facts.indexes {
        let leads_with_tenant = index.first().is_some_and(|c| c == "tenant_id");
        let allowed = GLOBAL_INDEXES
            .iter()
            .any(|(t, cols)| *t == table && index == cols);
        if !leads_with_tenant && !allowed {
            broken.push(format!("index {index:?} does not lead with tenant_id"));
        }
    }
    broken
}

/// The application's tables (without diesel's bookkeeping), sorted.
pub async fn live_tables(test_db: &TestDb) -> Vec<String> {
    match test_db.backend {
        Backend::Sqlite => {
            #[derive(QueryableByName)]
            struct Name {
                #[diesel(sql_type = Text)]
                name: String,
            }
            let mut conn = sqlite(test_db);
            diesel::sql_query(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name <> '__diesel_schema_migrations' ORDER BY name",
            )
            .load::<Name>(&mut conn)
            .expect("list tables")
            .into_iter()
            .map(|n| n.name)
            .collect()
        }
        Backend::Postgres => pg(test_db)
            .await
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename <> '__diesel_schema_migrations' ORDER BY 1",
                &[],
            )
            .await
            .expect("list tables")
            .iter()
            .map(|row| row.get(0))
            .collect(),
    }
}

pub async fn table_facts(test_db: &TestDb, table: &str) -> TableFacts {
    match test_db.backend {
        Backend::Sqlite => sqlite_facts(&mut sqlite(test_db), table),
        Backend::Postgres => pg_facts(&pg(test_db).await, table).await,
    }
}

fn sqlite(test_db: &TestDb) -> SqliteConnection {
    let path = test_db.url().trim_start_matches("sqlite://").to_owned();
    SqliteConnection::establish(&path).expect("open the SQLite file")
}

pub async fn pg(test_db: &TestDb) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(test_db.url(), tokio_postgres::NoTls)
        .await
        .expect("connect to the test database");
    tokio::spawn(connection);
    client
}

fn sqlite_facts(conn: &mut SqliteConnection, table: &str) -> TableFacts {
    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Integer)]
        not_null: i32,
        #[diesel(sql_type = Integer)]
        pk: i32,
    }
    #[derive(QueryableByName)]
    struct FkColumn {
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Text)]
        parent: String,
        #[diesel(sql_type = Text)]
        col: String,
        #[diesel(sql_type = Text)]
        parent_col: String,
    }
    #[derive(QueryableByName)]
    struct IndexColumn {
        #[diesel(sql_type = Text)]
        index_name: String,
        #[diesel(sql_type = Text)]
        col: String,
    }

    let columns = diesel::sql_query("SELECT name, \"notnull\" AS not_null, pk FROM pragma_table_info(?1)")
        .bind::<Text, _>(table)
        .load::<Column>(conn)
        .expect("table_info");
    let mut pk: Vec<&Column> = columns.iter().filter(|c| c.pk > 0).collect();
    pk.sort_by_key(|c| c.pk);
    let primary_key = pk.iter().map(|c| c.name.clone()).collect();

    let fk_columns = diesel::sql_query(
        "SELECT id, \"table\" AS parent, \"from\" AS col, \"to\" AS parent_col \
         FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
    )
    .bind::<Text, _>(table)
    .load::<FkColumn>(conn)
    .expect("foreign_key_list");
    let mut foreign_keys: Vec<(i32, ForeignKey)> = Vec::new();
    for row in fk_columns {
        if foreign_keys.last().is_none_or(|(id, _)| *id != row.id) {
            foreign_keys.push((
                row.id,
                ForeignKey {
                    parent: row.parent.clone(),
                    ..ForeignKey::default()
                },
            ));
        }
        let (_, fk) = foreign_keys.last_mut().expect("pushed above");
        fk.columns.push(row.col);
        fk.parent_columns.push(row.parent_col);
    }

    let index_columns = diesel::sql_query(
        "SELECT il.name AS index_name, ii.name AS col FROM pragma_index_list(?1) AS il \
         JOIN pragma_index_info(il.name) AS ii ORDER BY il.name, ii.seqno",
    )
    .bind::<Text, _>(table)
    .load::<IndexColumn>(conn)
    .expect("index_list");
    TableFacts {
        columns: columns
            .iter()
            .map(|c| (c.name.clone(), c.not_null == 1))
            .collect(),
        primary_key,
        foreign_keys: foreign_keys.into_iter().map(|(_, fk)| fk).collect(),
        indexes: group_index_columns(index_columns.into_iter().map(|r| (r.index_name, r.col))),
    }
}

async fn pg_facts(client: &tokio_postgres::Client, table: &str) -> TableFacts {
    let columns = client
        .query(
            "SELECT column_name::text, is_nullable = 'NO' FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
            &[&table],
        )
        .await
        .expect("columns")
        .iter()
        .map(|row| (row.get::<_, String>(0), row.get::<_, bool>(1)))
        .collect();
    let primary_key = client
        .query(
            "SELECT a.attname::text FROM pg_index i \
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = $1::text::regclass AND i.indisprimary ORDER BY k.ord",
            &[&table],
        )
        .await
        .expect("primary key")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let fk_rows = client
        .query(
            "SELECT c.conname::text, c.confrelid::regclass::text, a.attname::text, pa.attname::text \
             FROM pg_constraint c \
             CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(col, pcol, ord) \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
             JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pcol \
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'f' ORDER BY c.conname, k.ord",
            &[&table],
        )
        .await
        .expect("foreign keys");
    let mut foreign_keys: Vec<(String, ForeignKey)> = Vec::new();
    for row in fk_rows {
        let name: String = row.get(0);
        if foreign_keys.last().is_none_or(|(n, _)| *n != name) {
            foreign_keys.push((
                name,
                ForeignKey {
                    parent: row.get(1),
                    ..ForeignKey::default()
                },
            ));
        }
        let (_, fk) = foreign_keys.last_mut().expect("pushed above");
        fk.columns.push(row.get(2));
        fk.parent_columns.push(row.get(3));
    }
    let index_rows = client
        .query(
            "SELECT ic.relname::text, a.attname::text FROM pg_index i \
             JOIN pg_class ic ON ic.oid = i.indexrelid \
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) \
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
             WHERE i.indrelid = $1::text::regclass ORDER BY ic.relname, k.ord",
            &[&table],
        )
        .await
        .expect("indexes");
    TableFacts {
        columns,
        primary_key,
        foreign_keys: foreign_keys.into_iter().map(|(_, fk)| fk).collect(),
        indexes: group_index_columns(index_rows.iter().map(|row| (row.get(0), row.get(1)))),
    }
}

fn group_index_columns(rows: impl Iterator<Item = (String, String)>) -> Vec<Vec<String>> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for (index, column) in rows {
        match grouped.last_mut() {
            Some((name, columns)) if *name == index => columns.push(column),
            _ => grouped.push((index, vec![column])),
        }
    }
    grouped.into_iter().map(|(_, columns)| columns).collect()
}

async fn assert_row_level_security_forced(test_db: &TestDb) {
    let client = pg(test_db).await;
    for table in TENANT_OWNED_TABLES.iter().chain(&["tenants"]) {
        let row = client
            .query_one(
                "SELECT c.relrowsecurity, c.relforcerowsecurity, \
                 (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) \
                 FROM pg_class c WHERE c.oid = $1::text::regclass",
                &[table],
            )
            .await
            .expect("pg_class");
        let (enabled, forced, policies): (bool, bool, i64) = (row.get(0), row.get(1), row.get(2));
        assert!(
            enabled && forced,
            "{table}: row-level security enabled={enabled} forced={forced}"
        );
        assert!(policies >= 1, "{table}: no policy");
    }
}
