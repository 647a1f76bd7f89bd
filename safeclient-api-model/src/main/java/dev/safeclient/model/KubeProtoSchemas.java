package dev.safeclient.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.WireFormat;
import dev.safeclient.model.internal.DescriptorUnion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Protobuf schemas of every built-in Kubernetes type, per release and as the union of all
 * releases: the union decodes what any server 1.30 to master sends, since no release reused a field
 * number with another meaning.
 *
 * <p>Built at build time from each release's {@code generated.proto} (protoc, with source info), so
 * each field keeps its comment markers: {@code +patchMergeKey}, {@code +patchStrategy}, {@code
 * +listType}, {@code +listMapKey}.
 *
 * <pre>{@code
 * KubeProtoSchemas schemas = KubeProtoSchemas.union();
 * Descriptor pod = schemas.message("k8s.io.api.core.v1.Pod").orElseThrow();
 * FieldDescriptor containers = schemas.message("k8s.io.api.core.v1.PodSpec").orElseThrow()
 *     .findFieldByName("containers");
 * schemas.patchStrategy(containers); // merge, on "name"
 * }</pre>
 */
public final class KubeProtoSchemas {
  /** The releases whose schemas this module carries, oldest first; master is in development. */
  public static final List<String> RELEASES =
      List.of("1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "master");

  private static final Map<String, KubeProtoSchemas> LOADED = new ConcurrentHashMap<>();
  private static final String UNION = "union";

  private final List<String> releases;
  private final DescriptorUnion union;
  private final Map<String, Descriptor> messages;
  private final Map<String, String> comments;

  private KubeProtoSchemas(List<String> releases) {
    Map<String, FileDescriptorSet> sets = new LinkedHashMap<>();
    for (String release : releases) {
      sets.put(release, read(release));
    }
    this.releases = List.copyOf(releases);
    this.union = DescriptorUnion.of(sets);
    Map<String, Descriptor> messages = new TreeMap<>();
    Map<String, String> comments = new HashMap<>();
    for (FileDescriptor file : build(union.files())) {
      index(file, messages);
      indexComments(file.toProto(), comments);
    }
    this.messages = Collections.unmodifiableMap(messages);
    this.comments = comments;
  }

  /** Every message and field any release defines (loaded once, on first use). */
  public static KubeProtoSchemas union() {
    return LOADED.computeIfAbsent(UNION, k -> new KubeProtoSchemas(RELEASES));
  }

  /**
   * The schemas of one release, e.g. {@code release("1.30")}: what a server of that version can
   * send.
   *
   * @throws IllegalArgumentException if the release is not one of {@link #RELEASES}
   */
  public static KubeProtoSchemas release(String release) {
    if (!RELEASES.contains(release)) {
      throw new IllegalArgumentException(
          "no Protobuf schemas for Kubernetes release " + release + "; known: " + RELEASES);
    }
    return LOADED.computeIfAbsent(release, r -> new KubeProtoSchemas(List.of(r)));
  }

  /** The releases these schemas cover, oldest first. */
  public List<String> releases() {
    return releases;
  }

  /**
   * A message by its full Protobuf name, e.g. {@code k8s.io.api.core.v1.Pod}; nested messages (map
   * entries) too. Its {@link Descriptor#getFile() file} holds the rest of its package.
   */
  public Optional<Descriptor> message(String fullName) {
    return Optional.ofNullable(messages.get(fullName));
  }

  /** The full names of every message, sorted. */
  public Set<String> messageNames() {
    return messages.keySet();
  }

  /**
   * The releases, oldest first, that define a message ({@code k8s.io.api.core.v1.PodSpec}) or a
   * field ({@code k8s.io.api.core.v1.PodSpec.workloadRef}); empty if none does.
   */
  public List<String> releasesDefining(String fullName) {
    return union.releasesDefining(fullName);
  }

  /** A field's comment, as the newest release defining it wrote it; empty if it has none. */
  public String comment(FieldDescriptor field) {
    return comments.getOrDefault(field.getFullName(), "");
  }

  /**
   * A field's comment markers ({@code // +listType=map}): marker name to values, in comment order;
   * a marker without a value ({@code +optional}) has one empty value.
   */
  public Map<String, List<String>> markers(FieldDescriptor field) {
    Map<String, List<String>> markers = new LinkedHashMap<>();
    for (String line : comment(field).split("\n")) {
      String marker = line.strip();
      if (!marker.startsWith("+")) {
        continue;
      }
      int eq = marker.indexOf('=');
      String name = eq < 0 ? marker.substring(1) : marker.substring(1, eq);
      String value = eq < 0 ? "" : marker.substring(eq + 1);
      markers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    return markers;
  }

  /** How a strategic merge patch treats a field, if its comment says ({@code +patchStrategy}). */
  public Optional<PatchStrategy> patchStrategy(FieldDescriptor field) {
    Map<String, List<String>> markers = markers(field);
    List<String> strategy = markers.get("patchStrategy");
    if (strategy == null) {
      return Optional.empty();
    }
    List<String> key = markers.get("patchMergeKey");
    return Optional.of(
        new PatchStrategy(List.of(strategy.get(0).split(",")), key == null ? null : key.get(0)));
  }

  /**
   * The Protobuf packages of one release's files ({@code k8s.io.api.apps.v1}, ...). Reads only each
   * file's {@code package} from the release's descriptor set and skips the rest (message
   * definitions and source info), so that it costs milliseconds, not a full parse.
   *
   * @throws IllegalArgumentException if the release is not one of {@link #RELEASES}
   */
  public static Set<String> packages(String release) {
    if (!RELEASES.contains(release)) {
      throw new IllegalArgumentException(
          "no Protobuf schemas for Kubernetes release " + release + "; known: " + RELEASES);
    }
    String resource = "k8s-proto/" + release + ".desc";
    Set<String> packages = new java.util.TreeSet<>();
    try (InputStream in = KubeProtoSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "descriptor set " + resource + " is missing from the safeclient-api-model jar");
      }
      CodedInputStream set = CodedInputStream.newInstance(in);
      set.setSizeLimit(Integer.MAX_VALUE);
      for (int tag = set.readTag(); tag != 0; tag = set.readTag()) {
        if (tag != FILE_TAG) {
          set.skipField(tag);
          continue;
        }
        int limit = set.pushLimit(set.readRawVarint32());
        for (int t = set.readTag(); t != 0; t = set.readTag()) {
          if (t == PACKAGE_TAG) {
            packages.add(set.readStringRequireUtf8());
          } else {
            set.skipField(t);
          }
        }
        set.popLimit(limit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
    return Collections.unmodifiableSet(packages);
  }

  /** FileDescriptorSet.file: field 1, length-delimited (field number << 3 | wire type 2). */
  private static final int FILE_TAG =
      FileDescriptorSet.FILE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  /** FileDescriptorProto.package: field 2, length-delimited. */
  private static final int PACKAGE_TAG =
      FileDescriptorProto.PACKAGE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private static FileDescriptorSet read(String release) {
    String resource = "k8s-proto/" + release + ".desc";
    try (InputStream in = KubeProtoSchemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "descriptor set " + resource + " is missing from the safeclient-api-model jar");
      }
      return FileDescriptorSet.parseFrom(in);
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + resource, e);
    }
  }

  private static List<FileDescriptor> build(List<FileDescriptorProto> files) {
    Map<String, FileDescriptorProto> byName = new HashMap<>();
    files.forEach(f -> byName.put(f.getName(), f));
    Map<String, FileDescriptor> built = new LinkedHashMap<>();
    for (FileDescriptorProto file : files) {
      build(file.getName(), byName, built);
    }
    return new ArrayList<>(built.values());
  }

  private static FileDescriptor build(
      String name, Map<String, FileDescriptorProto> byName, Map<String, FileDescriptor> built) {
    FileDescriptor done = built.get(name);
    if (done != null) {
      return done;
    }
    FileDescriptorProto proto = byName.get(name);
    if (proto == null) {
      throw new IllegalStateException("imported file " + name + " is in no release's descriptors");
    }
    FileDescriptor[] dependencies =
        proto.getDependencyList().stream()
            .map(d -> build(d, byName, built))
            .toArray(FileDescriptor[]::new);
    try {
      FileDescriptor file = FileDescriptor.buildFrom(proto, dependencies);
      built.put(name, file);
      return file;
    } catch (DescriptorValidationException e) {
      throw new IllegalStateException("invalid union of " + name + ": " + e.getMessage(), e);
    }
  }

  private static void index(FileDescriptor file, Map<String, Descriptor> messages) {
    for (Descriptor message : file.getMessageTypes()) {
      index(message, messages);
    }
  }

  private static void index(Descriptor message, Map<String, Descriptor> messages) {
    messages.put(message.getFullName(), message);
    for (Descriptor nested : message.getNestedTypes()) {
      index(nested, messages);
    }
  }

  private static void indexComments(FileDescriptorProto file, Map<String, String> comments) {
    Map<List<Integer>, String> byPath = new HashMap<>();
    for (Location location : file.getSourceCodeInfo().getLocationList()) {
      if (location.hasLeadingComments()) {
        byPath.put(location.getPathList(), location.getLeadingComments());
      }
    }
    List<DescriptorProto> messages = file.getMessageTypeList();
    for (int i = 0; i < messages.size(); i++) {
      indexComments(
          file.getPackage(),
          messages.get(i),
          List.of(FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER, i),
          byPath,
          comments);
    }
  }

  private static void indexComments(
      String scope,
      DescriptorProto message,
      List<Integer> path,
      Map<List<Integer>, String> byPath,
      Map<String, String> comments) {
    String name = scope + "." + message.getName();
    for (int i = 0; i < message.getFieldCount(); i++) {
      String comment = byPath.get(step(path, DescriptorProto.FIELD_FIELD_NUMBER, i));
      if (comment != null) {
        comments.put(name + "." + message.getField(i).getName(), comment);
      }
    }
    for (int i = 0; i < message.getNestedTypeCount(); i++) {
      indexComments(
          name,
          message.getNestedType(i),
          step(path, DescriptorProto.NESTED_TYPE_FIELD_NUMBER, i),
          byPath,
          comments);
    }
  }

  private static List<Integer> step(List<Integer> path, int field, int index) {
    List<Integer> out = new ArrayList<>(path);
    out.add(field);
    out.add(index);
    return out;
  }
}
