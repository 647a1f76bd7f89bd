package dev.safeclient.appcheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The README's table of starter properties states the defaults the starter's configuration metadata
 * states (which a starter test checks against a client built from empty properties): the README is
 * a copy too, and must not drift.
 */
class ReadmePropertyTableTest {
  @Test
  void everyDefaultInTheReadmeTableIsTheMetadatasDefault() throws Exception {
    Map<String, Map<String, Object>> metadata = metadata();
    Map<String, String> readme = readmeDefaults();
    ApplicationConversionService conversion = new ApplicationConversionService();
    // The binder reads a Path with PathEditor, which the conversion service lacks.
    conversion.addConverter(String.class, Path.class, s -> Path.of(s));
    Set<String> withDefault = new TreeSet<>();
    metadata.forEach(
        (name, p) -> {
          if (p.containsKey("defaultValue")) {
            withDefault.add(name);
          }
        });
    assertThat(readme.keySet())
        .as("every property with a default is in the README's table")
        .containsAll(withDefault);
    for (String name : withDefault) {
      Map<String, Object> p = metadata.get(name);
      Class<?> type = Class.forName((String) p.get("type"));
      assertThat(conversion.convert(readme.get(name), type))
          .as("%s: README says %s, the metadata %s", name, readme.get(name), p.get("defaultValue"))
          .isEqualTo(conversion.convert(p.get("defaultValue"), type));
    }
  }

  /**
   * Property name to the README's default, from rows such as {@code | `safeclient.qps`,
   * `safeclient.burst` | 5, 10 | ...} or {@code | `safeclient.breaker.enabled`, `.open-duration` |
   * true, 5s | ...}; a row whose defaults do not split one per name is prose and skipped.
   */
  private static Map<String, String> readmeDefaults() throws Exception {
    Map<String, String> defaults = new LinkedHashMap<>();
    for (String line : Files.readAllLines(ResolvedVersionsTest.root().resolve("README.md"))) {
      if (!line.startsWith("| `safeclient.") && !line.startsWith("| `management.")) {
        continue;
      }
      String[] cells = line.split("\\|");
      List<String> names = new ArrayList<>();
      String base = null;
      for (String n : cells[1].split(",")) {
        String name = n.trim().replace("`", "");
        if (name.startsWith(".")) {
          name = base.substring(0, base.lastIndexOf('.')) + name;
        }
        base = name;
        names.add(name);
      }
      String[] values = cells[2].split(",");
      if (values.length != names.size()) {
        continue;
      }
      for (int i = 0; i < values.length; i++) {
        defaults.put(names.get(i), values[i].trim().replace("`", ""));
      }
    }
    assertThat(defaults).containsKey("safeclient.breaker.open-duration");
    return defaults;
  }

  /** The starter's generated metadata (Spring Boot's own jars carry a file of the same name). */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> metadata() throws Exception {
    Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
    Enumeration<URL> files =
        ReadmePropertyTableTest.class
            .getClassLoader()
            .getResources("META-INF/spring-configuration-metadata.json");
    while (files.hasMoreElements()) {
      String text;
      try (InputStream in = files.nextElement().openStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!text.contains("\"safeclient.mode\"")) {
        continue;
      }
      Map<String, Object> json = JsonParserFactory.getJsonParser().parseMap(text);
      for (Map<String, Object> p : (List<Map<String, Object>>) json.get("properties")) {
        byName.put((String) p.get("name"), p);
      }
    }
    assertThat(byName).containsKey("safeclient.mode");
    return byName;
  }
}
