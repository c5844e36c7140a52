package io.github.cameld1backup.schema;

import io.github.cameld1backup.source.QueryResult;
import io.github.cameld1backup.source.SqlBatch;
import io.github.cameld1backup.sql.SqlText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Bean that discovers the schema in two rounds of queries: sqlite_master first, then for every
 * table its columns, keys and foreign keys. Nothing is hard-coded: what is in the database is what
 * gets dumped, less D1's internal tables, SQLite's own, and the shadow tables of virtual tables.
 */
public class SchemaDiscovery {

    /** Statements per request in the second round; keeps each D1 request small. */
    static final int STATEMENTS_PER_REQUEST = 60;

    // Shadow tables each virtual table module keeps beside it (SQLite's xShadowName lists).
    private static final Map<String, Set<String>> SHADOW_SUFFIXES = Map.of(
            "fts5", Set.of("config", "content", "data", "docsize", "idx"),
            "fts4", Set.of("content", "docsize", "segdir", "segments", "stat"),
            "fts3", Set.of("content", "docsize", "segdir", "segments", "stat"),
            "rtree", Set.of("node", "parent", "rowid"),
            "rtree_i32", Set.of("node", "parent", "rowid"),
            "geopoly", Set.of("node", "parent", "rowid"));

    /** The word rowid anywhere in a CREATE TABLE: WITHOUT ROWID, or a column that takes the name. */
    private static final Pattern MENTIONS_ROWID = Pattern.compile("(?i)\\browid\\b");

    public SqlBatch masterQuery() {
        return SqlBatch.of("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid");
    }

    /** The objects worth dumping, from the sqlite_master result. */
    public Catalog catalog(List<QueryResult> master) {
        QueryResult r = master.get(0);
        List<SchemaObject> all = new ArrayList<>();
        for (List<Object> row : r.rows()) {
            all.add(new SchemaObject(
                    QueryResult.text(row.get(r.columnIndex("type"))),
                    QueryResult.text(row.get(r.columnIndex("name"))),
                    QueryResult.text(row.get(r.columnIndex("tbl_name"))),
                    QueryResult.text(row.get(r.columnIndex("sql")))));
        }
        List<String> shadowNames = new ArrayList<>();
        for (SchemaObject o : all) {
            if (o.type().equals("table")) {
                for (String suffix : shadowSuffixes(o.sql())) {
                    shadowNames.add((o.name() + "_" + suffix).toLowerCase(Locale.ROOT));
                }
            }
        }
        // A module does not make every table its name could have (an FTS5 table with external content has
        // no _content): only a table named so and made the way modules make theirs is a shadow table.
        Set<String> shadows = all.stream()
                .filter(o -> o.type().equals("table") && shadowNames.contains(o.name().toLowerCase(Locale.ROOT)))
                .filter(SchemaDiscovery::moduleMade)
                .map(o -> o.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.toSet());
        boolean hasSequence = all.stream().anyMatch(o -> o.name().equalsIgnoreCase("sqlite_sequence"));
        List<SchemaObject> kept = all.stream()
                .filter(o -> o.sql() != null) // automatic indexes have no SQL and come back by themselves
                .filter(o -> !internal(o.name()) && !internal(o.tableName()))
                .filter(o -> !shadows.contains(o.tableName().toLowerCase(Locale.ROOT)))
                .toList();
        return new Catalog(kept, hasSequence);
    }

    /**
     * The shadow tables a virtual table's module makes, by suffix: not those its options do away with
     * (FTS with content= keeps no _content, unless FTS5's contentless_unindexed; FTS5 with columnsize=0
     * and FTS4 with matchinfo=fts3 keep no _docsize).
     */
    private static Set<String> shadowSuffixes(String createSql) {
        String module = Table.moduleOf(createSql);
        Set<String> suffixes = new HashSet<>(SHADOW_SUFFIXES.getOrDefault(module, Set.of()));
        if (module.startsWith("fts") && Table.moduleOption(createSql, "content").isPresent()
                && !optionIs(createSql, "contentless_unindexed", "1")) {
            suffixes.remove("content");
        }
        if (module.equals("fts5") && optionIs(createSql, "columnsize", "0")
                || module.equals("fts4") && optionIs(createSql, "matchinfo", "fts3")) {
            suffixes.remove("docsize");
        }
        return suffixes;
    }

    private static boolean optionIs(String createSql, String key, String value) {
        return Table.moduleOption(createSql, key).map(v -> v.replaceAll("^['\"]|['\"]$", "").trim())
                .filter(value::equalsIgnoreCase).isPresent();
    }

    /**
     * Whether a table's CREATE is the one SQLite's modules write for their shadow tables: the quoted name
     * right before the column list ({@code CREATE TABLE 'f_data'(...)}, {@code CREATE TABLE "r_node"(...)}).
     */
    private static boolean moduleMade(SchemaObject table) {
        String sql = table.sql();
        String name = table.name();
        return sql != null && (sql.startsWith("CREATE TABLE '" + name.replace("'", "''") + "'(")
                || sql.startsWith("CREATE TABLE \"" + name.replace("\"", "\"\"") + "\"("));
    }

    /**
     * Second round: four PRAGMAs per table, the rowid span of ordinary rowid tables (two index lookups,
     * one row read each, for cutting large tables into segments), and the AUTOINCREMENT counters.
     */
    public List<SqlBatch> detailQueries(Catalog catalog) {
        List<String> statements = new ArrayList<>();
        for (SchemaObject table : catalog.tables()) {
            String t = SqlText.identifier(table.name());
            statements.add("PRAGMA table_xinfo(" + t + ")");
            statements.add("PRAGMA index_xinfo(" + t + ")");
            statements.add("PRAGMA index_list(" + t + ")");
            statements.add("PRAGMA foreign_key_list(" + t + ")");
            if (spanned(table)) {
                // Two subqueries, not min() and max() in one SELECT: each is then a single index lookup.
                statements.add("SELECT (SELECT min(rowid) FROM " + t + ") AS first, (SELECT max(rowid) FROM " + t
                        + ") AS last");
            }
        }
        if (catalog.hasSequence()) {
            statements.add("SELECT name, quote(seq) AS seq FROM sqlite_sequence");
        }
        List<SqlBatch> batches = new ArrayList<>();
        for (int i = 0; i < statements.size(); i += STATEMENTS_PER_REQUEST) {
            batches.add(new SqlBatch(statements.subList(i, Math.min(statements.size(), i + STATEMENTS_PER_REQUEST))));
        }
        return batches;
    }

    /**
     * Whether a table's rowid span is asked for: ordinary tables whose CREATE never says rowid (so it
     * is neither WITHOUT ROWID nor has a column of that name, where max(rowid) could scan the table).
     */
    private static boolean spanned(SchemaObject table) {
        return table.sql() != null && !table.sql().regionMatches(true, 0, "CREATE VIRTUAL", 0, 14)
                && !MENTIONS_ROWID.matcher(table.sql()).find();
    }

    /** Builds the schema from the second round's answers, one list per request, in request order. */
    public Schema schema(Catalog catalog, List<List<QueryResult>> answers) {
        List<QueryResult> details = answers.stream().flatMap(List::stream).toList();
        List<Table> tables = new ArrayList<>();
        int i = 0;
        for (SchemaObject object : catalog.tables()) {
            QueryResult span = spanned(object) ? details.get(i + 4) : null;
            tables.add(table(object, details.get(i), details.get(i + 1), details.get(i + 2), details.get(i + 3),
                    rowidSpan(span)));
            i += span == null ? 4 : 5;
        }
        Map<String, String> sequences = new LinkedHashMap<>();
        if (catalog.hasSequence()) {
            QueryResult seq = details.get(i);
            for (List<Object> row : seq.rows()) {
                String name = QueryResult.text(row.get(seq.columnIndex("name")));
                if (tables.stream().anyMatch(t -> t.name().equalsIgnoreCase(name))) {
                    sequences.put(name, QueryResult.text(row.get(seq.columnIndex("seq"))));
                }
            }
        }
        return new Schema(tables, catalog.ofType("index"), catalog.ofType("view"), catalog.ofType("trigger"), sequences);
    }

    /** The span's bounds, when the table has rows and they are integers (D1 may round them: a hint). */
    private static RowidSpan rowidSpan(QueryResult span) {
        if (span == null || span.rows().isEmpty()) {
            return null;
        }
        List<Object> row = span.rows().get(0);
        try {
            String first = QueryResult.text(row.get(span.columnIndex("first")));
            String last = QueryResult.text(row.get(span.columnIndex("last")));
            return first == null || last == null ? null : new RowidSpan(Long.parseLong(first), Long.parseLong(last));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Table table(SchemaObject object, QueryResult xinfo, QueryResult keyInfo, QueryResult indexList,
                               QueryResult foreignKeys, RowidSpan span) {
        List<Column> columns = new ArrayList<>();
        for (List<Object> row : xinfo.rows()) {
            columns.add(new Column(
                    QueryResult.text(row.get(xinfo.columnIndex("name"))),
                    String.valueOf(QueryResult.text(row.get(xinfo.columnIndex("type")))),
                    (int) QueryResult.number(row.get(xinfo.columnIndex("pk"))),
                    (int) QueryResult.number(row.get(xinfo.columnIndex("hidden"))),
                    QueryResult.number(row.get(xinfo.columnIndex("notnull"))) == 1,
                    row.get(xinfo.columnIndex("dflt_value")) != null, false));
        }
        // index_xinfo(table) answers only for WITHOUT ROWID tables: their primary key, key columns first.
        List<KeyPart> primaryKey = new ArrayList<>();
        for (List<Object> row : keyInfo.rows()) {
            if (QueryResult.number(row.get(keyInfo.columnIndex("key"))) == 1) {
                primaryKey.add(new KeyPart(
                        QueryResult.text(row.get(keyInfo.columnIndex("name"))),
                        QueryResult.number(row.get(keyInfo.columnIndex("desc"))) == 1,
                        QueryResult.text(row.get(keyInfo.columnIndex("coll")))));
            }
        }
        boolean withoutRowid = !primaryKey.isEmpty();
        String rowidAlias = withoutRowid ? null : rowidAlias(columns, indexList);
        List<String> parents = new ArrayList<>();
        for (List<Object> row : foreignKeys.rows()) {
            String parent = QueryResult.text(row.get(foreignKeys.columnIndex("table")));
            if (!parents.contains(parent)) {
                parents.add(parent);
            }
        }
        return new Table(object, columns, withoutRowid, primaryKey, rowidAlias, parents, withoutRowid ? null : span);
    }

    /**
     * The INTEGER PRIMARY KEY column that is the rowid, if any. A single-column primary key declared
     * exactly INTEGER is the rowid unless SQLite built an index for it (the "INTEGER PRIMARY KEY DESC"
     * quirk), which index_list reports with origin "pk".
     */
    private static String rowidAlias(List<Column> columns, QueryResult indexList) {
        List<Column> pk = columns.stream().filter(c -> c.primaryKeyPosition() > 0).toList();
        if (pk.size() != 1 || !pk.get(0).declaredType().equalsIgnoreCase("INTEGER")) {
            return null;
        }
        for (List<Object> row : indexList.rows()) {
            if ("pk".equals(QueryResult.text(row.get(indexList.columnIndex("origin"))))) {
                return null;
            }
        }
        return pk.get(0).name();
    }

    private static boolean internal(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.startsWith("sqlite_") || lower.startsWith("_cf_");
    }

    /** The first round's findings: objects to dump in sqlite_master order. */
    public record Catalog(List<SchemaObject> objects, boolean hasSequence) {

        public List<SchemaObject> tables() {
            return ofType("table");
        }

        List<SchemaObject> ofType(String type) {
            return objects.stream().filter(o -> o.type().equals(type)).toList();
        }
    }
}
