import Logging
import PostgresClient

/// The schema, as numbered migrations embedded in the binary. Applied in order, each in its own
/// transaction, under a session advisory lock so several daemons starting at once apply each
/// migration exactly once. Never edit a released migration: add a new one.
public enum Migrations {
    /// One schema change.
    public struct Migration: Sendable {
        /// Its number; `schema_migrations.version`.
        public var version: Int
        /// A short description.
        public var name: String
        /// The SQL to run (fixed text, no values).
        public var sql: StaticString
    }

    /// The advisory lock key newsd's migrations take ("newsd" as bytes).
    static let lockKey: Int64 = 0x6E_6577_7364

    /// All migrations, in order.
    public static let all: [Migration] = [
        Migration(
            version: 1, name: "articles and ingest log",
            sql: """
                CREATE TABLE articles (
                    id              bigserial PRIMARY KEY,
                    title           text NOT NULL,
                    body            text NOT NULL,
                    paragraph_count integer NOT NULL CHECK (paragraph_count > 0),
                    word_count      integer NOT NULL CHECK (word_count >= 0),
                    content_hash    bytea NOT NULL UNIQUE,
                    source_file     text NOT NULL,
                    ingested_at     timestamptz NOT NULL DEFAULT now(),
                    search          tsvector GENERATED ALWAYS AS (
                        setweight(to_tsvector('english', title), 'A') ||
                        setweight(to_tsvector('english', body), 'B')) STORED
                );
                CREATE INDEX articles_search_idx ON articles USING gin (search);
                CREATE INDEX articles_ingested_at_idx ON articles (ingested_at);

                CREATE TABLE ingest_log (
                    id            bigserial PRIMARY KEY,
                    claim_key     text NOT NULL UNIQUE,
                    file_name     text NOT NULL,
                    size_bytes    bigint NOT NULL,
                    sha256        bytea,
                    outcome       text NOT NULL CHECK (outcome IN ('ingested', 'duplicate', 'failed')),
                    error_code    text,
                    error_message text,
                    attempts      integer NOT NULL DEFAULT 1,
                    first_seen    timestamptz NOT NULL,
                    finished_at   timestamptz NOT NULL DEFAULT now(),
                    article_id    bigint REFERENCES articles (id) ON DELETE SET NULL,
                    CHECK ((outcome = 'failed') = (error_code IS NOT NULL))
                );
                CREATE INDEX ingest_log_finished_at_idx ON ingest_log (finished_at);
                CREATE INDEX ingest_log_article_id_idx ON ingest_log (article_id);
                CREATE INDEX ingest_log_failed_idx ON ingest_log (error_code) WHERE outcome = 'failed';
                """),
        Migration(
            version: 2, name: "formats, metadata and multi-record files",
            sql: """
                ALTER TABLE articles
                    ADD COLUMN url          text,
                    ADD COLUMN published_at timestamptz,
                    ADD COLUMN author       text,
                    ADD COLUMN source       text,
                    ADD COLUMN language     text,
                    ADD COLUMN format       text NOT NULL DEFAULT 'text',
                    ADD COLUMN record_index integer NOT NULL DEFAULT 0;
                CREATE INDEX articles_published_at_idx ON articles (published_at);
                ALTER TABLE ingest_log
                    ADD COLUMN format        text,
                    ADD COLUMN article_ids   bigint[],
                    ADD COLUMN record_errors jsonb;
                """),
        Migration(
            version: 3, name: "classification, keywords, entities and near-duplicates",
            sql: """
                ALTER TABLE articles
                    ADD COLUMN category      text,
                    ADD COLUMN confidence    real,
                    ADD COLUMN scores        jsonb,
                    ADD COLUMN model_id      text,
                    ADD COLUMN classified_at timestamptz,
                    ADD COLUMN keywords      text[],
                    ADD COLUMN simhash       bigint,
                    ADD COLUMN duplicate_of  bigint REFERENCES articles (id) ON DELETE SET NULL;
                CREATE INDEX articles_category_idx ON articles (category);
                CREATE INDEX articles_keywords_idx ON articles USING gin (keywords);
                CREATE INDEX articles_duplicate_of_idx ON articles (duplicate_of) WHERE duplicate_of IS NOT NULL;
                CREATE INDEX articles_language_idx ON articles (language);

                CREATE TABLE article_entities (
                    article_id bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
                    kind       text NOT NULL CHECK (kind IN ('person', 'organization', 'place')),
                    name       text NOT NULL,
                    mentions   integer NOT NULL CHECK (mentions > 0),
                    PRIMARY KEY (article_id, kind, name)
                );
                CREATE INDEX article_entities_name_idx ON article_entities (name, kind);
                """),
        Migration(
            version: 4, name: "cheaper writes: lz4 for long text, entities removed by trigger",
            sql: """
                -- lz4 compresses TOASTed text several times faster than pglz (new rows only).
                ALTER TABLE articles
                    ALTER COLUMN body SET COMPRESSION lz4,
                    ALTER COLUMN search SET COMPRESSION lz4;
                -- A foreign key checks every entity row with a query of its own; newsd writes
                -- entities only for rows it inserted in the same transaction, so the check is
                -- replaced by a statement trigger that keeps ON DELETE CASCADE's effect.
                ALTER TABLE article_entities DROP CONSTRAINT article_entities_article_id_fkey;
                CREATE FUNCTION newsd_delete_article_entities() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM article_entities e USING deleted_articles d WHERE e.article_id = d.id;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER articles_delete_entities AFTER DELETE ON articles
                    REFERENCING OLD TABLE AS deleted_articles
                    FOR EACH STATEMENT EXECUTE FUNCTION newsd_delete_article_entities();
                """),
        Migration(
            version: 5, name: "truncating articles truncates their entities",
            sql: """
                -- TRUNCATE fires no DELETE trigger: without a foreign key since migration 4, the
                -- entities of truncated articles would stay behind.
                CREATE FUNCTION newsd_truncate_article_entities() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    TRUNCATE article_entities;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER articles_truncate_entities AFTER TRUNCATE ON articles
                    FOR EACH STATEMENT EXECUTE FUNCTION newsd_truncate_article_entities();
                """),
        Migration(
            version: 6, name: "search index merges its pending entries in larger batches",
            sql: """
                -- New search entries wait in the GIN index's pending list until it exceeds this
                -- size, then one writer merges them into the index. Each merge rewrites the
                -- posting list of every word it touches, a cost that grows with the table. With
                -- PostgreSQL's 4 MB default, batches of 100 articles went into a table of 500,000
                -- at 73% of their rate into an empty one; with 16 MB (and the writers' work_mem
                -- large enough to merge it in one pass: ArticleStore.prepareWriterSession) at
                -- 84%. A full list adds about 4 ms to a search, which reads it all.
                ALTER INDEX articles_search_idx SET (gin_pending_list_limit = 16384);
                """),
        Migration(
            version: 7, name: "search in each article's language; detector reliability and entity model",
            sql: """
                -- PostgreSQL 15 cannot change a generated column's expression, and dropping and
                -- adding the column again would rewrite the table and its search index under an
                -- exclusive lock. DROP EXPRESSION changes only the catalog: the stored vectors
                -- stay, and a trigger builds new ones in the configuration the row names.
                ALTER TABLE articles
                    ALTER COLUMN search DROP EXPRESSION,
                    ADD COLUMN language_reliable boolean,
                    ADD COLUMN entity_model_id   text,
                    ADD COLUMN search_config     regconfig;
                -- NULL search_config: built with English, as migration 1 did, until newsd's
                -- background rebuild sets the row's own (SearchConfiguration in NewsCore).
                CREATE FUNCTION newsd_article_search() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    config regconfig := coalesce(NEW.search_config, 'pg_catalog.english'::regconfig);
                BEGIN
                    NEW.search := setweight(to_tsvector(config, NEW.title), 'A') ||
                                  setweight(to_tsvector(config, NEW.body), 'B');
                    RETURN NEW;
                END $$;
                CREATE TRIGGER articles_search BEFORE INSERT OR UPDATE OF title, body, search_config ON articles
                    FOR EACH ROW EXECUTE FUNCTION newsd_article_search();
                -- The rows the rebuild has left to do (none, once it is done: newsd's own rows
                -- always name their configuration).
                CREATE INDEX articles_search_pending_idx ON articles (id) WHERE search_config IS NULL;
                """),
        Migration(
            version: 8, name: "instances: which newsd recorded each file, and each newsd's last report",
            sql: """
                -- NULL for the rows before: which newsd wrote them is not known. Adding the
                -- column and then its default changes only the catalog (no table rewrite); the
                -- default is the writer session's newsd.instance (ArticleStore.prepareWriterSession).
                ALTER TABLE ingest_log ADD COLUMN instance text;
                ALTER TABLE ingest_log ALTER COLUMN instance SET DEFAULT current_setting('newsd.instance', true);
                -- One row per instance.name, written by that newsd every few seconds
                -- (InstanceHeartbeat), read by newsctl status --cluster.
                CREATE TABLE newsd_instances (
                    name            text PRIMARY KEY,
                    boot            text NOT NULL,
                    pid             integer NOT NULL,
                    version         text NOT NULL,
                    state           text NOT NULL,
                    started_at      timestamptz NOT NULL,
                    last_seen       timestamptz NOT NULL DEFAULT now(),
                    ingested        bigint NOT NULL DEFAULT 0,
                    duplicates      bigint NOT NULL DEFAULT 0,
                    failed          bigint NOT NULL DEFAULT 0,
                    rate_one_minute double precision NOT NULL DEFAULT 0
                );
                """),
        Migration(
            version: 9, name: "the near-duplicate fingerprints read without the table",
            sql: """
                -- newsd reads the stored fingerprints at start-up in id order (FingerprintLoader,
                -- in the background): from this index alone (an index-only scan), not from the
                -- table's pages, which hold the text (about 3 KB an article). On a table of
                -- millions of articles the build reads the table once and holds writes meanwhile.
                CREATE INDEX articles_fingerprint_idx ON articles (id) INCLUDE (simhash)
                    WHERE simhash IS NOT NULL AND word_count >= 20;
                """),
    ]

    /// The newest schema version this build knows.
    public static var latestVersion: Int { all.last?.version ?? 0 }

    /// Applies every migration not yet applied, up to `version` (tests stop early to make the
    /// rows an older newsd stored); returns the versions it applied.
    @discardableResult
    public static func migrate(_ conn: PostgresConnection, through version: Int = latestVersion, logger: Logger) throws -> [Int] {
        // Lock first: even CREATE TABLE IF NOT EXISTS fails when two sessions race on it.
        try conn.query("SELECT pg_advisory_lock(\(lockKey))")
        defer { _ = try? conn.query("SELECT pg_advisory_unlock(\(lockKey))") }
        try conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """)

        let rows = try conn.query("SELECT version FROM schema_migrations")
        let applied = Set(rows.rows.compactMap { $0[0].flatMap { Int($0) } })
        if let newest = applied.max(), newest > latestVersion {
            throw PostgresError(
                code: .unexpectedResult,
                message: "the database schema is at version \(newest), newer than this newsd knows (\(latestVersion)); upgrade newsd")
        }
        var done: [Int] = []
        for m in all where m.version <= version && !applied.contains(m.version) {
            try conn.withTransaction { tx in
                try tx.execute(m.sql)
                try tx.query("INSERT INTO schema_migrations (version, name) VALUES (\(m.version), \(m.name))")
            }
            logger.notice("applied migration", metadata: ["version": "\(m.version)", "name": "\(m.name)"])
            done.append(m.version)
        }
        return done
    }
}
