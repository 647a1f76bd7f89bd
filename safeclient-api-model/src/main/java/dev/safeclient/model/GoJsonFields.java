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
 * realserver/gojsontags/gen.sh}. Where a field's rendering changed between releases, {@link #field}
 * gives the newest release's, and {@link #release} the one of a given release (for example {@code
 * ObjectMeta.creationTimestamp} gained {@code omitzero} in 1.34: a zero time is omitted from then
 * on, where a 1.30 server writes {@code null}).
 */
public final class GoJsonFields {
  private static final String RESOURCE = "go-json-fields.tsv";

  /** Every release's rendering, by release ({@code 1.30} .. {@code master}), oldest first. */
  private static final Map<String, Release> RELEASES = new java.util.LinkedHashMap<>();

  private static final Map<String, Field> FIELDS = load();

  /** The newest release's rendering. */
  private static final Release NEWEST = new Release("newest", FIELDS);

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
     * a field the release still has (a server without the field writes nothing). {@code inNewest}
     * says whether the release this rendering is for (the newest, from {@link #field}) has it.
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

  /**
   * The rendering of one release's Go types. A field that release does not declare (a newer release
   * added it) is given its newest rendering, but never written as {@code null} when nil.
   */
  public static final class Release {
    private final String name;
    private final Map<String, Field> fields;

    private Release(String name, Map<String, Field> fields) {
      this.name = name;
      this.fields = fields;
    }

    /** {@code 1.30} .. {@code master}, or {@code newest}. */
    public String name() {
      return name;
    }

    /** As {@link GoJsonFields#field}, for this release. */
    public Field field(String message, String field) {
      String key = message + "." + field;
      Field f = fields.get(key);
      if (f != null) {
        return f;
      }
      Field newest = FIELDS.get(key);
      return newest == null
          ? null
          : new Field(
              newest.jsonName(),
              newest.inline(),
              newest.omitEmpty(),
              newest.omitZero(),
              newest.pointer(),
              newest.slice(),
              newest.map(),
              false);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** The newest release's rendering, as {@link #field} gives it. */
  public static Release newest() {
    return NEWEST;
  }

  /**
   * The rendering of release {@code 1.<minor>}: the oldest carried for an older one, the newest
   * ({@code master}) for one newer than every numbered release carried.
   */
  public static Release release(int minor) {
    Release r = RELEASES.get("1." + minor);
    if (r != null) {
      return r;
    }
    var names = new java.util.ArrayList<>(RELEASES.keySet());
    String oldest = names.get(0);
    return minor < Integer.parseInt(oldest.substring(2))
        ? RELEASES.get(oldest)
        : RELEASES.get(names.get(names.size() - 1));
  }

  private static Map<String, Field> load() {
    Map<String, Field> fields = new HashMap<>();
    Map<String, Integer> newest = new HashMap<>();
    Map<String, Map<String, Field>> perRelease = new HashMap<>();
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
        String[] rendering = cols[2].split(" ");
        for (String release : cols[3].isEmpty() ? releases : cols[3].split(" ")) {
          perRelease
              .computeIfAbsent(release, k -> new HashMap<>())
              .put(key, field(rendering, true));
        }
        if (newest.getOrDefault(key, -1) >= rank) {
          continue;
        }
        newest.put(key, rank);
        fields.put(key, field(rendering, rank == Integer.MAX_VALUE || rank == releases.length - 1));
      }
      for (String release : releases) {
        RELEASES.put(
            release,
            new Release(
                release,
                Collections.unmodifiableMap(perRelease.getOrDefault(release, new HashMap<>()))));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + RESOURCE, e);
    }
    return Collections.unmodifiableMap(fields);
  }

  private static Field field(String[] rendering, boolean inRelease) {
    String flags = rendering[1];
    return new Field(
        rendering[0].equals("-") ? null : rendering[0],
        flags.contains("i"),
        flags.contains("o"),
        flags.contains("z"),
        flags.contains("p"),
        flags.contains("s") || flags.contains("b"),
        flags.contains("m"),
        inRelease);
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
