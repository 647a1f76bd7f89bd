package dev.safeclient.apiserver;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A LIST answer in JSON, written around each item's bytes as given (never decoded and re-encoded):
 * {@code {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"N","continue":T,
 * "remainingItemCount":R},"items":[...]}}. Built-in kinds' items carry no kind and apiVersion in a
 * real list; a server passes the bytes it means to send.
 */
public final class ListBody {
  private ListBody() {}

  /**
   * The body; {@code continueToken} and {@code remainingItemCount} are left out when null, as the
   * apiserver leaves them out when unset.
   */
  public static byte[] json(
      String apiVersion,
      String listKind,
      long resourceVersion,
      String continueToken,
      Long remainingItemCount,
      List<byte[]> items) {
    int size = 128;
    for (byte[] i : items) {
      size += i.length + 1;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(size);
    String head =
        "{\"kind\":\""
            + listKind
            + "\",\"apiVersion\":\""
            + apiVersion
            + "\",\"metadata\":{\"resourceVersion\":\""
            + resourceVersion
            + "\""
            + (continueToken == null ? "" : ",\"continue\":\"" + continueToken + "\"")
            + (remainingItemCount == null ? "" : ",\"remainingItemCount\":" + remainingItemCount)
            + "},\"items\":[";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    boolean first = true;
    for (byte[] i : items) {
      if (!first) {
        out.write(',');
      }
      out.writeBytes(i);
      first = false;
    }
    out.writeBytes("]}".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }
}
