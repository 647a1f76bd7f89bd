package dev.safeclient.model.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The union of several releases' descriptor sets: every file, message and field that any release
 * defines, each taken from the newest release that has it, with its source info (so its comments)
 * moved along with it.
 *
 * <p>A message present in several releases keeps the newest release's fields and gains, at the end,
 * the fields only older releases had (PodSpec keeps {@code workloadRef}, field 42 of 1.35 only). A
 * field number that two releases give a different name, type or label is an error: the union would
 * then decode one of them wrongly.
 */
public final class DescriptorUnion {
  // FileDescriptorProto and DescriptorProto field numbers, the steps of a SourceCodeInfo path.
  private static final int FILE_MESSAGE_TYPE = FileDescriptorProto.MESSAGE_TYPE_FIELD_NUMBER;
  private static final int MESSAGE_FIELD = DescriptorProto.FIELD_FIELD_NUMBER;
  private static final int MESSAGE_NESTED_TYPE = DescriptorProto.NESTED_TYPE_FIELD_NUMBER;

  private final Map<String, FileDescriptorProto.Builder> files = new LinkedHashMap<>();
  private final Map<String, List<Location>> locations = new LinkedHashMap<>();
  private final Map<String, Set<String>> releasesByName = new LinkedHashMap<>();
  private final List<String> releases;

  private DescriptorUnion(List<String> releases) {
    this.releases = List.copyOf(releases);
  }

  /**
   * The union of {@code setsOldestFirst}: release name to that release's descriptor set (with
   * source info and imports), in release order.
   */
  public static DescriptorUnion of(Map<String, FileDescriptorSet> setsOldestFirst) {
    DescriptorUnion union = new DescriptorUnion(new ArrayList<>(setsOldestFirst.keySet()));
    List<Map.Entry<String, FileDescriptorSet>> newestFirst =
        new ArrayList<>(setsOldestFirst.entrySet());
    Collections.reverse(newestFirst);
    for (Map.Entry<String, FileDescriptorSet> release : newestFirst) {
      for (FileDescriptorProto file : release.getValue().getFileList()) {
        union.add(release.getKey(), file);
      }
    }
    return union;
  }

  /** The union's files, each with its merged source info, in no particular order. */
  public List<FileDescriptorProto> files() {
    List<FileDescriptorProto> out = new ArrayList<>();
    files.forEach(
        (name, file) ->
            out.add(
                file.clone()
                    .setSourceCodeInfo(
                        SourceCodeInfo.newBuilder().addAllLocation(locations.get(name)))
                    .build()));
    return out;
  }

  /**
   * The releases, oldest first, that define a message or field by its full name ({@code
   * k8s.io.api.core.v1.PodSpec} or {@code k8s.io.api.core.v1.PodSpec.containers}); empty if none.
   */
  public List<String> releasesDefining(String fullName) {
    Set<String> defining = releasesByName.get(fullName);
    if (defining == null) {
      return List.of();
    }
    return releases.stream().filter(defining::contains).toList();
  }

  private void add(String release, FileDescriptorProto file) {
    recordNames(release, file.getPackage(), file.getMessageTypeList());
    FileDescriptorProto.Builder union = files.get(file.getName());
    if (union == null) {
      files.put(file.getName(), file.toBuilder().clearSourceCodeInfo());
      locations.put(file.getName(), new ArrayList<>(file.getSourceCodeInfo().getLocationList()));
      return;
    }
    for (String dependency : file.getDependencyList()) {
      if (!union.getDependencyList().contains(dependency)) {
        union.addDependency(dependency);
      }
    }
    List<Location> from = file.getSourceCodeInfo().getLocationList();
    List<Location> to = locations.get(file.getName());
    for (int i = 0; i < file.getMessageTypeCount(); i++) {
      DescriptorProto message = file.getMessageType(i);
      List<Integer> oldPath = List.of(FILE_MESSAGE_TYPE, i);
      int j = indexOf(union.getMessageTypeBuilderList(), message.getName());
      if (j < 0) {
        union.addMessageType(message);
        moveLocations(
            from, oldPath, List.of(FILE_MESSAGE_TYPE, union.getMessageTypeCount() - 1), to);
      } else {
        merge(
            file.getPackage() + "." + message.getName(),
            union.getMessageTypeBuilder(j),
            List.of(FILE_MESSAGE_TYPE, j),
            message,
            oldPath,
            from,
            to);
      }
    }
  }

  private static void merge(
      String fullName,
      DescriptorProto.Builder union,
      List<Integer> unionPath,
      DescriptorProto older,
      List<Integer> olderPath,
      List<Location> from,
      List<Location> to) {
    for (int i = 0; i < older.getFieldCount(); i++) {
      FieldDescriptorProto field = older.getField(i);
      FieldDescriptorProto known = fieldByNumber(union, field.getNumber());
      if (known == null && hasFieldNamed(union, field.getName())) {
        throw new IllegalStateException(
            fullName + "." + field.getName() + " has different numbers in different releases");
      }
      if (known == null) {
        union.addField(field);
        moveLocations(
            from,
            append(olderPath, MESSAGE_FIELD, i),
            append(unionPath, MESSAGE_FIELD, union.getFieldCount() - 1),
            to);
      } else if (!sameWireMeaning(known, field)) {
        throw new IllegalStateException(
            fullName
                + " field "
                + field.getNumber()
                + " is "
                + describe(known)
                + " in one release and "
                + describe(field)
                + " in another: no union can decode both");
      }
    }
    for (int i = 0; i < older.getNestedTypeCount(); i++) {
      DescriptorProto nested = older.getNestedType(i);
      int j = indexOf(union.getNestedTypeBuilderList(), nested.getName());
      if (j < 0) {
        union.addNestedType(nested);
        moveLocations(
            from,
            append(olderPath, MESSAGE_NESTED_TYPE, i),
            append(unionPath, MESSAGE_NESTED_TYPE, union.getNestedTypeCount() - 1),
            to);
      } else {
        merge(
            fullName + "." + nested.getName(),
            union.getNestedTypeBuilder(j),
            append(unionPath, MESSAGE_NESTED_TYPE, j),
            nested,
            append(olderPath, MESSAGE_NESTED_TYPE, i),
            from,
            to);
      }
    }
  }

  private void recordNames(String release, String scope, List<DescriptorProto> messages) {
    for (DescriptorProto message : messages) {
      String name = scope + "." + message.getName();
      releasesByName.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(release);
      for (FieldDescriptorProto field : message.getFieldList()) {
        releasesByName
            .computeIfAbsent(name + "." + field.getName(), k -> new LinkedHashSet<>())
            .add(release);
      }
      recordNames(release, name, message.getNestedTypeList());
    }
  }

  /** Copies every location under {@code oldPrefix} to the same place under {@code newPrefix}. */
  private static void moveLocations(
      List<Location> from, List<Integer> oldPrefix, List<Integer> newPrefix, List<Location> to) {
    for (Location location : from) {
      List<Integer> path = location.getPathList();
      if (path.size() >= oldPrefix.size() && path.subList(0, oldPrefix.size()).equals(oldPrefix)) {
        List<Integer> moved = new ArrayList<>(newPrefix);
        moved.addAll(path.subList(oldPrefix.size(), path.size()));
        to.add(location.toBuilder().clearPath().addAllPath(moved).build());
      }
    }
  }

  private static boolean sameWireMeaning(FieldDescriptorProto a, FieldDescriptorProto b) {
    return a.getName().equals(b.getName())
        && a.getType() == b.getType()
        && a.getLabel() == b.getLabel()
        && a.getTypeName().equals(b.getTypeName());
  }

  private static String describe(FieldDescriptorProto field) {
    return field.getLabel()
        + " "
        + (field.hasTypeName() ? field.getTypeName() : field.getType())
        + " "
        + field.getName();
  }

  private static FieldDescriptorProto fieldByNumber(DescriptorProto.Builder message, int number) {
    for (FieldDescriptorProto field : message.getFieldList()) {
      if (field.getNumber() == number) {
        return field;
      }
    }
    return null;
  }

  private static boolean hasFieldNamed(DescriptorProto.Builder message, String name) {
    return message.getFieldList().stream().anyMatch(f -> f.getName().equals(name));
  }

  private static int indexOf(List<DescriptorProto.Builder> messages, String name) {
    for (int i = 0; i < messages.size(); i++) {
      if (messages.get(i).getName().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private static List<Integer> append(List<Integer> path, int... steps) {
    List<Integer> out = new ArrayList<>(path);
    for (int step : steps) {
      out.add(step);
    }
    return out;
  }
}
