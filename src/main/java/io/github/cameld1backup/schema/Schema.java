package io.github.cameld1backup.schema;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything a dump recreates, in the order a restore needs: tables (sqlite_master order), their
 * data (parents before children where foreign keys allow), sqlite_sequence, then indexes, views and
 * triggers in creation order.
 */
public record Schema(
        List<Table> tables,
        List<SchemaObject> indexes,
        List<SchemaObject> views,
        List<SchemaObject> triggers,
        Map<String, String> sequences) {

    /** Tables in an order that inserts referenced rows first; cycles keep sqlite_master order. */
    public List<Table> dataOrder() {
        Map<String, Table> byName = new LinkedHashMap<>();
        tables.forEach(t -> byName.put(t.name().toLowerCase(Locale.ROOT), t));
        Set<String> done = new LinkedHashSet<>();
        Set<String> visiting = new LinkedHashSet<>();
        List<Table> ordered = new ArrayList<>();
        for (String name : byName.keySet()) {
            visit(name, byName, done, visiting, ordered);
        }
        return ordered;
    }

    private static void visit(String name, Map<String, Table> byName, Set<String> done, Set<String> visiting,
                              List<Table> ordered) {
        Table table = byName.get(name);
        if (table == null || done.contains(name) || !visiting.add(name)) {
            return; // unknown parent, already placed, or a cycle: the deferred FK check covers it
        }
        for (String parent : table.parents()) {
            visit(parent.toLowerCase(Locale.ROOT), byName, done, visiting, ordered);
        }
        visiting.remove(name);
        if (done.add(name)) {
            ordered.add(table);
        }
    }

    /** SHA-256 over every CREATE statement the dump writes, in dump order: equal schemas, equal hash. */
    public String hash() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            List<String> all = new ArrayList<>();
            tables.forEach(t -> all.add(t.object().sql()));
            indexes.forEach(o -> all.add(o.sql()));
            views.forEach(o -> all.add(o.sql()));
            triggers.forEach(o -> all.add(o.sql()));
            for (String sql : all) {
                digest.update(sql.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
