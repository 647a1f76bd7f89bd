package dev.safeclient.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo;
import com.google.protobuf.DescriptorProtos.SourceCodeInfo.Location;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DescriptorUnionTest {
  private static FieldDescriptorProto field(String name, int number, Type type) {
    return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type).build();
  }

  /** One file "spec.proto" with message Spec; field i carries comment "c-<name>". */
  private static FileDescriptorSet release(FieldDescriptorProto... fields) {
    DescriptorProto.Builder spec = DescriptorProto.newBuilder().setName("Spec");
    SourceCodeInfo.Builder info = SourceCodeInfo.newBuilder();
    for (int i = 0; i < fields.length; i++) {
      spec.addField(fields[i]);
      info.addLocation(
          Location.newBuilder()
              .addAllPath(List.of(4, 0, 2, i))
              .setLeadingComments("c-" + fields[i].getName()));
    }
    return FileDescriptorSet.newBuilder()
        .addFile(
            FileDescriptorProto.newBuilder()
                .setName("spec.proto")
                .setPackage("p")
                .addMessageType(spec)
                .setSourceCodeInfo(info))
        .build();
  }

  @Test
  void aFieldOnlyAnOlderReleaseHasIsAppendedWithItsComment() {
    Map<String, FileDescriptorSet> sets = new LinkedHashMap<>();
    sets.put("old", release(field("a", 1, Type.TYPE_STRING), field("gone", 2, Type.TYPE_INT32)));
    sets.put("new", release(field("a", 1, Type.TYPE_STRING), field("added", 3, Type.TYPE_BOOL)));
    DescriptorUnion union = DescriptorUnion.of(sets);

    FileDescriptorProto file = union.files().get(0);
    assertThat(file.getMessageType(0).getFieldList())
        .extracting(FieldDescriptorProto::getName)
        .containsExactly("a", "added", "gone");
    assertThat(file.getSourceCodeInfo().getLocationList())
        .filteredOn(l -> l.getPathList().equals(List.of(4, 0, 2, 2)))
        .extracting(Location::getLeadingComments)
        .containsExactly("c-gone");
    assertThat(union.releasesDefining("p.Spec.gone")).containsExactly("old");
    assertThat(union.releasesDefining("p.Spec.a")).containsExactly("old", "new");
  }

  @Test
  void aFieldNumberReusedWithAnotherTypeIsRefused() {
    Map<String, FileDescriptorSet> sets = new LinkedHashMap<>();
    sets.put("old", release(field("a", 1, Type.TYPE_STRING)));
    sets.put("new", release(field("a", 1, Type.TYPE_INT64)));
    assertThatThrownBy(() -> DescriptorUnion.of(sets))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("p.Spec field 1");
  }

  @Test
  void aFieldRenumberedBetweenReleasesIsRefused() {
    Map<String, FileDescriptorSet> sets = new LinkedHashMap<>();
    sets.put("old", release(field("a", 1, Type.TYPE_STRING)));
    sets.put("new", release(field("a", 2, Type.TYPE_STRING)));
    assertThatThrownBy(() -> DescriptorUnion.of(sets))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("p.Spec.a");
  }
}
