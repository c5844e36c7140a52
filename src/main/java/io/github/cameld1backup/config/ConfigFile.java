package io.github.cameld1backup.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A deployment's own settings file (BACKUP_CONFIG, --config): {@code .properties}, or YAML whose
 * nested keys join with dots and whose lists join with commas, so
 * {@code database: {prod: {backup: {cron: "0 0 3 * * ?"}}}} is {@code database.prod.backup.cron}.
 * Its settings rank above application.properties and below environment variables and options.
 */
public final class ConfigFile {

    private ConfigFile() {
    }

    public static Map<String, String> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("BACKUP_CONFIG (backup.config, --config): no such file: " + file);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try {
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    Map<String, String> out = new LinkedHashMap<>();
                    flatten("", new Load(LoadSettings.builder().build()).loadFromReader(in), out, file);
                    return out;
                }
            }
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            }
            Map<String, String> out = new LinkedHashMap<>();
            properties.stringPropertyNames().forEach(k -> out.put(k, properties.getProperty(k)));
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith("BACKUP_CONFIG")) {
                throw iae;
            }
            throw new IllegalArgumentException("BACKUP_CONFIG (backup.config, --config): cannot read " + file + ": "
                    + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Object node, Map<String, String> out, Path file) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> flatten(prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k, v, out, file));
        } else if (node instanceof List<?> list) {
            out.put(prefix, list.stream().map(String::valueOf).collect(Collectors.joining(",")));
        } else if (node != null) {
            out.put(prefix, String.valueOf(node));
        } else if (!prefix.isEmpty()) {
            out.put(prefix, "");
        }
    }
}
