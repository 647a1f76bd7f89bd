package dev.safeclient.model.testdata;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Compares a Protobuf encoder's bytes with the Kubernetes serializers' fixtures by the object they
 * decode to, as K8S-API-FACTS says a decoder is correct ("each .pb decodes to the same object as
 * its .json").
 */
public final class ProtobufObjects {
  private ProtobufObjects() {}

  /**
   * The object as a JSON reader would see it: unknown (newer) fields and zero values dropped (the
   * Go marshaller writes non-pointer fields even when zero; JSON omits them), map entries sorted.
   */
  public static Message normalize(Message m) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(m.getDescriptorForType());
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (f.isRepeated()) {
        List<Object> items = new ArrayList<>();
        for (Object item : (List<?>) e.getValue()) {
          items.add(item instanceof Message msg ? normalize(msg) : item);
        }
        if (f.isMapField()) {
          FieldDescriptor key = f.getMessageType().findFieldByName("key");
          items.sort(Comparator.comparing(o -> String.valueOf(((Message) o).getField(key))));
        }
        items.forEach(i -> b.addRepeatedField(f, i));
      } else if (e.getValue() instanceof Message msg) {
        Message n = normalize(msg);
        if (!n.getAllFields().isEmpty()) {
          b.setField(f, n);
        }
      } else if (!e.getValue().equals(f.getDefaultValue())) {
        b.setField(f, e.getValue());
      }
    }
    return b.build();
  }
}
