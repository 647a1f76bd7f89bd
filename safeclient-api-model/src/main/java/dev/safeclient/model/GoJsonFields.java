package dev.safeclient.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * How Go's {@code encoding/json} renders each field of the built-in Kubernetes types: the json tag
 * options ({@code omitempty}, {@code omitzero}) and whether the Go field is a pointer, a slice or a
 * map, by Protobuf message and field name. The {@code .proto} files do not carry this (their {@code
 * +optional} marker is a documentation convention, not the json tag), so a Protobuf body turned
 * into JSON needs it to render zero values exactly as the API server's JSON does.
 *
 * <p>Generated from the Go types of every release this module carries by {@code
 * realserver/gojsontags/gen.sh}; where a field's rendering changed between releases, the newest
 * release's is used (for example {@code ObjectMeta.creationTimestamp} gained {@code omitzero} in
 * 1.34: a zero time is then omitted, where a 1.30 server writes {@code null}; both decode alike).
 */
public final class GoJsonFields {
  private static final String RESOURCE = "go-json-fields.tsv";
  private static final Map<String, Field> FIELDS = load();

  private GoJsonFields() {}

  /** One Go struct field's JSON rendering. */
  public record Field(
      String jsonName,
      boolean inline,
      boolean omitEmpty,
      boolean omitZero,
      boolean pointer,
      boolean slice,
      boolean map,
      boolean inNewest) {

    /**
     * Whether a zero scalar ({@code ""}, {@code 0}, {@code false}) held by this field is left out:
     * only by a non-pointer field tagged {@code omitempty} or {@code omitzero}. A pointer to a zero
     * is written, and so is a zero without either option.
     */
    public boolean omitsZeroScalar() {
      return !pointer && (omitEmpty || omitZero);
    }

    /**
     * Whether the field, when Go holds nil (a pointer, slice or map that Protobuf did not carry),
     * is written as {@code null}: only without {@code omitempty} and {@code omitzero}, and only for
     * a field the newest release still has (a server that dropped the field writes nothing).
     */
    public boolean nullWhenNil() {
      return (pointer || slice || map) && !omitEmpty && !omitZero && inNewest;
    }

    /**
     * Whether a struct whose JSON form is {@code null} when zero (metav1.Time, RawExtension) is
     * left out: {@code omitempty} does not apply to structs, {@code omitzero} does.
     */
    public boolean omitsZeroStruct() {
      return omitZero && !pointer;
    }
  }

  /**
   * The rendering of Protobuf field {@code field} of message {@code message} (full names, as {@code
   * k8s.io.api.rbac.v1.Subject} and {@code namespace}), or null for a field no Go type declares
   * (not a built-in type's field).
   */
  public static Field field(String message, String field) {
    return FIELDS.get(message + "." + field);
  }

  /** Every field, by {@code <message>.<field>}. */
  public static Map<String, Field> all() {
    return FIELDS;
  }

  private static Map<String, Field> load() {
    Map<String, Field> fields = new HashMap<>();
    Map<String, Integer> newest = new HashMap<>();
    try (InputStream in = GoJsonFields.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the safeclient-api-model jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String[] releases = null;
      String line;
      while ((line = r.readLine()) != null) {
        String[] cols = line.split("\t", -1);
        if (line.startsWith("#")) {
          String header = cols[cols.length - 1];
          releases = header.substring(header.indexOf('(') + 1, header.indexOf(')')).split(" ");
          continue;
        }
        String key = cols[0] + "." + cols[1];
        // A rendering without releases is every release's; otherwise the newest release wins.
        int rank = cols[3].isEmpty() ? Integer.MAX_VALUE : newestRank(cols[3], releases);
        if (newest.getOrDefault(key, -1) >= rank) {
          continue;
        }
        newest.put(key, rank);
        String[] rendering = cols[2].split(" ");
        String flags = rendering[1];
        fields.put(
            key,
            new Field(
                rendering[0].equals("-") ? null : rendering[0],
                flags.contains("i"),
                flags.contains("o"),
                flags.contains("z"),
                flags.contains("p"),
                flags.contains("s") || flags.contains("b"),
                flags.contains("m"),
                rank == Integer.MAX_VALUE || rank == releases.length - 1));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
    return Collections.unmodifiableMap(fields);
  }

  private static int newestRank(String releasesOfRow, String[] releases) {
    int rank = -1;
    for (String release : releasesOfRow.split(" ")) {
      for (int i = 0; i < releases.length; i++) {
        if (releases[i].equals(release)) {
          rank = Math.max(rank, i);
        }
      }
    }
    return rank;
  }
}
