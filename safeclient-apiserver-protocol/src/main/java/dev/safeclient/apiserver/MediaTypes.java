package dev.safeclient.apiserver;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

  /** One Accept clause as goautoneg parses it: type, subtype, q and the other parameters. */
  record AcceptClause(String type, String subType, double q, Map<String, String> params) {}

  /**
   * The media type a resource endpoint answers {@code accept} in, among {@code served} (the
   * server's order: the first is what an empty Accept gets), or null when none is acceptable: then
   * the answer is {@link Status#notAcceptable()}. As {@code negotiation.NegotiateMediaTypeOptions}
   * with a RequestScope's restrictions: clauses in goautoneg's order (q, then specific before
   * wildcard), each tried against every served type; a clause matches {@code type/subtype}, {@code
   * type/*} or {@code *}{@code /*}, and is skipped if it asks for a stream other than {@code
   * watch}, a server version other than {@code v1}, or a conversion ({@code as=Table}, {@code
   * as=PartialObjectMetadata}: not served here).
   */
  public static String negotiate(String accept, List<String> served) {
    if (accept == null || accept.isEmpty()) {
      return served.get(0);
    }
    for (AcceptClause c : parseAccept(accept)) {
      for (String type : served) {
        int slash = type.indexOf('/');
        String t = type.substring(0, slash);
        String sub = type.substring(slash + 1);
        boolean matches =
            (c.type().equals(t) && (c.subType().equals(sub) || c.subType().equals("*")))
                || (c.type().equals("*") && c.subType().equals("*"));
        if (matches && allowed(c.params())) {
          return type;
        }
      }
    }
    return null;
  }

  /** acceptMediaTypeOptions: the parameters a plain resource answer can honour. */
  private static boolean allowed(Map<String, String> params) {
    for (Map.Entry<String, String> p : params.entrySet()) {
      String v = p.getValue();
      switch (p.getKey()) {
        case "as", "g", "v" -> {
          return false; // a conversion: AllowsMediaTypeTransform with a target
        }
        case "stream" -> {
          if (!v.isEmpty() && !v.equals("watch")) {
            return false;
          }
        }
        case "sv" -> {
          if (!v.isEmpty() && !v.equals("v1")) {
            return false;
          }
        }
        default -> {
          // pretty, export, profile and unrecognized keys change nothing here
        }
      }
    }
    return true;
  }

  /**
   * goautoneg.ParseAccept: clauses split on commas and semicolons, spaces trimmed, a clause without
   * a subtype dropped unless it is {@code *}, {@code q} parsed (0 if unparsable), then sorted by
   * its Less with Go's insertion sort (what sort.Sort does for up to 12 elements; Less is no strict
   * order, so the algorithm matters).
   */
  static List<AcceptClause> parseAccept(String header) {
    List<AcceptClause> out = new ArrayList<>();
    String remaining = header;
    while (!remaining.isEmpty()) {
      String[] split = nextSplit(remaining, ",");
      remaining = split[1];
      String part = trimSpaces(split[0]);
      String[] typeAndParams = nextSplit(part, ";");
      String[] typeSplit = nextSplit(typeAndParams[0], "/");
      String type = trimSpaces(typeSplit[0]);
      String subType;
      if (typeSplit[1].isEmpty()) {
        if (!type.equals("*")) {
          continue;
        }
        subType = "*";
      } else {
        String[] subSplit = nextSplit(typeSplit[1], "/");
        if (!subSplit[1].isEmpty()) {
          continue;
        }
        subType = trimSpaces(subSplit[0]);
      }
      double q = 1.0;
      Map<String, String> params = new HashMap<>();
      String rest = typeAndParams[1];
      while (!rest.isEmpty()) {
        String[] p = nextSplit(rest, ";");
        rest = p[1];
        String[] kv = nextSplit(p[0], "=");
        if (kv[1].isEmpty()) {
          continue;
        }
        String[] v = nextSplit(kv[1], "=");
        if (!v[1].isEmpty()) {
          continue;
        }
        String token = trimSpaces(kv[0]);
        if (token.equals("q")) {
          q = parseQ(v[0]);
        } else {
          params.put(token, trimSpaces(v[0]));
        }
      }
      out.add(new AcceptClause(type, subType, q, params));
    }
    for (int i = 1; i < out.size(); i++) {
      for (int j = i; j > 0 && less(out.get(j), out.get(j - 1)); j--) {
        AcceptClause swap = out.get(j);
        out.set(j, out.get(j - 1));
        out.set(j - 1, swap);
      }
    }
    return out;
  }

  private static boolean less(AcceptClause a, AcceptClause b) {
    return a.q() > b.q()
        || (!a.type().equals("*") && b.type().equals("*"))
        || (!a.subType().equals("*") && b.subType().equals("*"));
  }

  /** strconv.ParseFloat(s, 32): a syntax error gives 0. */
  private static double parseQ(String s) {
    try {
      return s.isEmpty() || !s.equals(s.strip()) ? 0 : (double) Float.parseFloat(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** {@code s} up to the first {@code sep}, and what follows it ("" if none). */
  private static String[] nextSplit(String s, String sep) {
    int i = s.indexOf(sep);
    return i < 0 ? new String[] {s, ""} : new String[] {s.substring(0, i), s.substring(i + 1)};
  }

  /** Go's strings.TrimFunc with a space-only cutset: tabs stay. */
  private static String trimSpaces(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && s.charAt(a) == ' ') {
      a++;
    }
    while (b > a && s.charAt(b - 1) == ' ') {
      b--;
    }
    return s.substring(a, b);
  }
}
