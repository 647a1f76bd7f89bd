package dev.safeclient.core.internal.protobuf;

/**
 * Where the decoder reports Protobuf fields the models do not know (version skew, SC203). Called
 * for every occurrence; the implementation decides how often to warn.
 */
@FunctionalInterface
interface UnknownFieldSink {
  UnknownFieldSink IGNORE = key -> {};

  /**
   * @param key {@code <message>.<field name>}, or {@code <message>#<number>} for a field number not
   *     in the schema
   */
  void unknownField(String key);
}
