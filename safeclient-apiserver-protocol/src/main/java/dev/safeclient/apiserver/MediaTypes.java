package dev.safeclient.apiserver;

/**
 * The media types a Kubernetes API server answers in, and the Accept negotiation between them
 * (apiserver pkg/endpoints/handlers/negotiation).
 */
public final class MediaTypes {
  public static final String JSON = "application/json";
  public static final String YAML = "application/yaml";
  public static final String PROTOBUF = ProtobufEnvelope.MEDIA_TYPE;

  private MediaTypes() {}

  /**
   * Whether an Accept header prefers Protobuf: it lists Protobuf before JSON, or Protobuf and no
   * JSON (client-java and client-go send {@code application/vnd.kubernetes.protobuf,
   * application/json}).
   */
  public static boolean prefersProtobuf(String accept) {
    if (accept == null) {
      return false;
    }
    int proto = accept.indexOf(PROTOBUF);
    if (proto < 0) {
      return false;
    }
    int json = accept.indexOf(JSON);
    return json < 0 || proto < json;
  }

  /**
   * False if every Accept clause asks for a conversion ({@code as=Table}, {@code
   * as=PartialObjectMetadata}) the server does not serve and none accepts a plain encoding: then no
   * acceptable type is found (negotiation.NegotiateOutputMediaType) and the answer is {@link
   * Status#notAcceptable()}. A client that offers JSON after the conversion gets JSON.
   */
  public static boolean acceptsPlainEncoding(String accept) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    for (String clause : accept.split(",")) {
      String c = clause.trim();
      String type = c.split(";")[0].trim();
      boolean plainType =
          type.equals("*/*")
              || type.equals("application/*")
              || type.equals(JSON)
              || type.equals(YAML)
              || type.equals(PROTOBUF);
      if (plainType && !c.replace(" ", "").contains(";as=")) {
        return true;
      }
    }
    return false;
  }
}
