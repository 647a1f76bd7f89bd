package dev.safeclient.apiserver;

import java.util.Map;

/**
 * What a selector sees of an object (a registry's GetAttrs): its labels and the value of each
 * supported field label. A server implements it over however it stores objects; {@link
 * FieldLabels#selectable} gives one over an object's JSON.
 */
public interface SelectableObject {
  /** The object's labels; empty if none. */
  Map<String, String> labels();

  /**
   * The value of a field label as GetAttrs gives it: Go's zero value ("", "false", "0") where the
   * field is unset. Only called for labels {@link FieldLabels#convert} accepted.
   */
  String fieldValue(String fieldLabel);
}
