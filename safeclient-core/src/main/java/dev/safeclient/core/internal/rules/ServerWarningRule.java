package dev.safeclient.core.internal.rules;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SC201: a {@code Warning:} header from the server (deprecated APIs, unknown fields with
 * server-side field validation, and the like), relayed through the warning channel. The server
 * writes {@code 299 - "text"} (RFC 7234 section 5.5); several may share one header line.
 */
public final class ServerWarningRule {
  public static final String ID = "SC201";

  /** warn-code SP warn-agent SP quoted warn-text, with an optional quoted date after it. */
  private static final Pattern WARNING =
      Pattern.compile("(\\d{3})\\s+(\\S+)\\s+\"((?:[^\"\\\\]|\\\\.)*)\"");

  private ServerWarningRule() {}

  /** The texts of one {@code Warning} header value; the raw value if it is not in that form. */
  public static List<String> texts(String headerValue) {
    List<String> texts = new ArrayList<>();
    Matcher m = WARNING.matcher(headerValue);
    while (m.find()) {
      texts.add(m.group(3).replaceAll("\\\\(.)", "$1"));
    }
    if (texts.isEmpty() && !headerValue.isBlank()) {
      texts.add(headerValue.trim());
    }
    return texts;
  }
}
