package io.github.cameld1backup.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A dump's text in a form two dumps of the same data compare equal in, though read through engines
 * of different SQLite versions: D1's older SQLite has quote() print 1/3 as 3.333333333333333148e-01
 * where 3.54 prints 0.33333333333333331 (both read back to the same bits), so REALs are compared by
 * their bits, and INSERTs, which those lengths cut at other rows, row by row.
 */
public final class DumpLines {

    private static final Pattern REAL = Pattern.compile(
            "(?<![\\w.])-?\\d+(\\.\\d+)?e[+-]?\\d+|(?<![\\w.])-?\\d+\\.\\d+");

    private DumpLines() {
    }

    /**
     * A dump's lines with each INSERT cut into one line per row (REALs of other lengths cut the INSERTs
     * at other rows) and every REAL as its bits.
     */
    public static List<String> comparable(Path dump) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(dump)) {
            int values = line.indexOf(") VALUES(");
            if (line.startsWith("INSERT INTO ") && values > 0 && line.endsWith(");")) {
                String head = line.substring(0, values + 9);
                for (String row : line.substring(values + 9, line.length() - 2).split("\\),\\(")) {
                    out.add(head + realsAsBits(row));
                }
            } else {
                out.add(realsAsBits(line));
            }
        }
        return out;
    }

    /** Every REAL literal of a dump line as its IEEE bits. */
    private static String realsAsBits(String line) {
        return REAL.matcher(line).replaceAll(m -> "real:" + Long.toHexString(Double.doubleToRawLongBits(
                Double.parseDouble(m.group()))));
    }
}
