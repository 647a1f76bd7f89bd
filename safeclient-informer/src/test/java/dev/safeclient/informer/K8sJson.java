package dev.safeclient.informer;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The JSON the API server sends, written out by hand, so tests show exactly what is on the wire.
 */
final class K8sJson {
  private K8sJson() {}

  static String pod(String name, String uid, String rv) {
    return pod("default", name, uid, rv, "");
  }

  static String pod(String ns, String name, String uid, String rv, String extraMetadata) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
        + name
        + "\",\"namespace\":\""
        + ns
        + "\",\"uid\":\""
        + uid
        + "\",\"resourceVersion\":\""
        + rv
        + "\""
        + extraMetadata
        + "},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}";
  }

  static String managedFields() {
    return ",\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Apply\","
        + "\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{}}}]";
  }

  static String podList(String rv, String cont, String... items) {
    return "{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":\""
        + rv
        + "\""
        + (cont == null ? "" : ",\"continue\":\"" + cont + "\"")
        + "},\"items\":["
        + String.join(",", Arrays.asList(items))
        + "]}";
  }

  static String event(String type, String object) {
    return "{\"type\":\"" + type + "\",\"object\":" + object + "}\n";
  }

  static String bookmark(String rv) {
    return event(
        "BOOKMARK",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\""
            + rv
            + "\"}}");
  }

  static String initialEventsEnd(String rv) {
    return event(
        "BOOKMARK",
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"resourceVersion\":\""
            + rv
            + "\",\"annotations\":{\"k8s.io/initial-events-end\":\"true\"}}}");
  }

  static String status(int code, String reason, String message) {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\""
        + message
        + "\",\"reason\":\""
        + reason
        + "\",\"code\":"
        + code
        + "}";
  }

  static String tooLargeStatus() {
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
        + "\"message\":\"Too large resource version: 99, current: 20\",\"reason\":\"Timeout\","
        + "\"details\":{\"causes\":[{\"reason\":\"ResourceVersionTooLarge\","
        + "\"message\":\"Too large resource version\"}],\"retryAfterSeconds\":1},\"code\":504}";
  }

  static String errorEvent(int code, String reason) {
    return event("ERROR", status(code, reason, "too old resource version: 1 (5)"));
  }

  static String lines(String... events) {
    return Arrays.stream(events).collect(Collectors.joining());
  }
}
