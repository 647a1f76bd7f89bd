package dev.safeclient.informer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import dev.safeclient.informer.internal.Reflector;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Kubernetes JSON without decoding it into a model: Jackson's streaming parser gives each
 * token's byte offset, so an object's bytes are cut out of what the server sent exactly, and only
 * the metadata a cache indexes by is read on the way.
 */
final class RawJson {
  /**
   * Shared: a JsonFactory is thread-safe. The caller owns and closes its stream. The limits are the
   * API server's, not Jackson's defaults, so that no object the server serves poisons a list: a
   * custom resource's schemaless map may have a key as long as a string (Jackson's 50,000
   * characters would refuse it), and nest as deep as Go's encoding/json reads (its maxNestingDepth,
   * 10,000; Jackson's parser keeps no stack per level). Strings keep Jackson's 20 MB, past etcd's
   * largest object. Input past these is a {@link RawJsonException}, never a silent cut. Field names
   * are not interned: label keys are the caller's data, not a fixed vocabulary.
   */
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNameLength(StreamReadConstraints.DEFAULT_MAX_STRING_LEN)
                  .maxNestingDepth(10_000)
                  .build())
          .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
          .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
          .build();

  private RawJson() {}

  /** What one object's scan found; offsets are the parser's (from the start of its input). */
  static final class Scan {
    long start;
    long end;
    String namespace = "";
    String name = "";
    String uid = "";
    String resourceVersion = "";
    Map<String, String> labels = Map.of();
    String kind = "";
    String apiVersion = "";
    boolean initialEventsEnd;
    // Per top-level member: where its name starts, where its value ends, whether it is TypeMeta.
    private final List<long[]> members = new ArrayList<>();

    /** The object, its bytes being exactly [start, end) of the input. */
    RawObject toObject(byte[] bytes) {
      return new RawObject(
          bytes,
          RawObject.JSON,
          namespace,
          name,
          uid,
          resourceVersion,
          labels,
          kind,
          apiVersion,
          typeMetaCuts(),
          initialEventsEnd);
    }

    /**
     * The ranges that remove kind and apiVersion with one separator each. A run of such members
     * followed by another member goes up to that one's name; a run that ends the object goes from
     * the end of the member before it, taking the comma before the run.
     */
    private int[] typeMetaCuts() {
      List<long[]> cuts = new ArrayList<>();
      int n = members.size();
      for (int i = 0; i < n; i++) {
        if (members.get(i)[2] == 0) {
          continue;
        }
        int j = i;
        while (j + 1 < n && members.get(j + 1)[2] == 1) {
          j++;
        }
        if (j + 1 < n) {
          cuts.add(new long[] {members.get(i)[0], members.get(j + 1)[0]});
        } else if (i > 0) {
          cuts.add(new long[] {members.get(i - 1)[1], members.get(j)[1]});
        } else {
          cuts.add(new long[] {members.get(i)[0], members.get(j)[1]});
        }
        i = j;
      }
      int[] out = new int[cuts.size() * 2];
      for (int k = 0; k < cuts.size(); k++) {
        out[2 * k] = (int) (cuts.get(k)[0] - start);
        out[2 * k + 1] = (int) (cuts.get(k)[1] - start);
      }
      return out;
    }
  }

  /** Scans the object whose START_OBJECT the parser is on, to its END_OBJECT. */
  static Scan scan(JsonParser p) throws IOException {
    Scan s = new Scan();
    s.start = p.currentTokenLocation().getByteOffset();
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      long nameStart = p.currentTokenLocation().getByteOffset();
      JsonToken value = p.nextToken();
      boolean typeMeta = false;
      if (field.equals("metadata") && value == JsonToken.START_OBJECT) {
        metadata(p, s);
      } else if ((field.equals("kind") || field.equals("apiVersion"))
          && value == JsonToken.VALUE_STRING) {
        typeMeta = true;
        if (field.equals("kind")) {
          s.kind = p.getText();
        } else {
          s.apiVersion = p.getText();
        }
      } else {
        p.skipChildren();
      }
      s.members.add(new long[] {nameStart, valueEnd(p), typeMeta ? 1 : 0});
    }
    if (t != JsonToken.END_OBJECT) {
      throw new RawJsonException("malformed JSON: an object member without a name");
    }
    s.end = p.currentTokenLocation().getByteOffset() + 1;
    return s;
  }

  /** Where the value the parser is on ends (exclusive). */
  private static long valueEnd(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
      return p.currentTokenLocation().getByteOffset() + 1;
    }
    // Strings are read lazily: finish it so that the location is past the closing quote.
    p.finishToken();
    return p.currentLocation().getByteOffset();
  }

  private static void metadata(JsonParser p, Scan s) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "namespace" -> s.namespace = string(p, value);
        case "name" -> s.name = string(p, value);
        case "uid" -> s.uid = string(p, value);
        case "resourceVersion" -> s.resourceVersion = string(p, value);
        case "labels" -> s.labels = labels(p, value);
        case "annotations" -> s.initialEventsEnd = initialEventsEnd(p, value);
        default -> p.skipChildren();
      }
    }
  }

  private static String string(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    p.skipChildren();
    return "";
  }

  private static Map<String, String> labels(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return Map.of();
    }
    Map<String, String> labels = new HashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.VALUE_STRING) {
        labels.put(key, p.getText());
      } else {
        p.skipChildren();
      }
    }
    return Map.copyOf(labels);
  }

  private static boolean initialEventsEnd(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return false;
    }
    boolean end = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      boolean ours = p.currentName().equals(Reflector.INITIAL_EVENTS_END);
      JsonToken v = p.nextToken();
      if (ours && v == JsonToken.VALUE_STRING && p.getText().equals("true")) {
        end = true;
      } else {
        p.skipChildren();
      }
    }
    return end;
  }

  /** Exactly one JSON object, with nothing but whitespace around it. */
  static RawObject object(byte[] json) throws RawJsonException {
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new RawJsonException("not a JSON object");
      }
      Scan s = scan(p);
      end(p);
      return s.toObject(Arrays.copyOfRange(json, (int) s.start, (int) s.end));
    } catch (IOException e) {
      // From a byte array, every IOException is the parser's.
      throw translate(e, "object") instanceof RawJsonException r
          ? r
          : new RawJsonException("unreadable object");
    }
  }

  /** The input must end after the root value (a trailing newline is the Go encoder's). */
  static void end(JsonParser p) throws IOException {
    if (p.nextToken() != null) {
      throw new RawJsonException(
          "malformed JSON: content after the end, at byte "
              + p.currentTokenLocation().getByteOffset());
    }
  }

  /**
   * Jackson's exception as one that names where, never what (its own messages quote the offending
   * token, which may be a Secret's value); any other IOException as it is.
   */
  static IOException translate(IOException e, String what) {
    if (e instanceof RawJsonException r) {
      return r;
    }
    if (e instanceof StreamConstraintsException c) {
      return new RawJsonException(what + " exceeds a parser limit: " + c.getOriginalMessage());
    }
    if (e instanceof JsonEOFException eof) {
      return new RawJsonException(
          "truncated " + what + ": the JSON ended at byte " + offset(eof) + " before it closed");
    }
    if (e instanceof JsonProcessingException j) {
      return new RawJsonException("malformed JSON in the " + what + " at byte " + offset(j));
    }
    // The stream's own failure (reset, cut): not the JSON's.
    return e;
  }

  private static long offset(JsonProcessingException e) {
    return e.getLocation() == null ? -1 : e.getLocation().getByteOffset();
  }
}
