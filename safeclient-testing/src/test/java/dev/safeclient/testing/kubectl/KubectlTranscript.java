package dev.safeclient.testing.kubectl;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP exchanges in one {@code kubectl -v=9} log, as klog writes them in 1.34: a {@code
 * "Request Body" body=...}, a {@code "Request" curlCommand=<...>} holding the method, headers and
 * URL, a {@code "Response" verb=... status="200 OK" headers=<...>} and a {@code "Response Body"}. A
 * body is either a Go-quoted string on the same line or a multi-line block between {@code <} and a
 * line holding {@code >}. Streaming responses (watches) log no body.
 */
record KubectlTranscript(String step, List<Exchange> exchanges) {

  /** One request and what the real server answered. */
  record Exchange(
      int index,
      String method,
      String pathAndQuery,
      Map<String, String> requestHeaders,
      String requestBody,
      int status,
      Map<String, String> responseHeaders,
      String responseBody) {

    /**
     * kubectl logs at most about 10 kB of a body and marks the cut: such a body is not compared.
     */
    boolean responseBodyTruncated() {
      return responseBody.matches("(?s).*\\[truncated \\d+ chars\\]$");
    }

    boolean isWatch() {
      return pathAndQuery.contains("watch=true") || pathAndQuery.contains("watch=1");
    }

    @Override
    public String toString() {
      return method + " " + pathAndQuery;
    }
  }

  private static final Pattern CURL =
      Pattern.compile("curl -v -X(\\w+)\\s+(.*?)'(https?://[^/']+)([^']*)'");
  private static final Pattern HEADER = Pattern.compile("-H \"([^:\"]+): ((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern RESPONSE =
      Pattern.compile("\"Response\" verb=\"\\w+\" .*status=\"(\\d+)");
  private static final Pattern BODY = Pattern.compile("\"(Request|Response) Body\" body=(.*)$");

  static KubectlTranscript read(Path log) throws IOException {
    String step = log.getFileName().toString().replaceFirst("\\.log$", "");
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    List<Exchange> out = new ArrayList<>();
    String requestBody = null;
    String method = null;
    String path = null;
    Map<String, String> requestHeaders = null;
    Integer status = null;
    Map<String, String> responseHeaders = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      Matcher body = BODY.matcher(line);
      if (body.find()) {
        StringBuilder text = new StringBuilder();
        i = readValue(lines, i, body.group(2), text);
        if (body.group(1).equals("Request")) {
          requestBody = text.toString();
        } else if (method != null && status != null) {
          out.add(
              new Exchange(
                  out.size(),
                  method,
                  path,
                  requestHeaders,
                  requestBody,
                  status,
                  responseHeaders,
                  text.toString()));
          method = null;
          status = null;
          requestBody = null;
        }
        continue;
      }
      if (line.contains("\"Request\" curlCommand=<")) {
        if (method != null && status != null) { // the previous response had no body logged
          out.add(
              new Exchange(
                  out.size(),
                  method,
                  path,
                  requestHeaders,
                  requestBody,
                  status,
                  responseHeaders,
                  ""));
          requestBody = null;
        }
        Matcher curl = CURL.matcher(lines.get(i + 1));
        if (!curl.find()) {
          throw new IOException(log + ":" + (i + 2) + ": no curl command in " + lines.get(i + 1));
        }
        method = curl.group(1);
        path = curl.group(4);
        requestHeaders = new LinkedHashMap<>();
        Matcher h = HEADER.matcher(curl.group(2));
        while (h.find()) {
          requestHeaders.put(h.group(1), h.group(2).replace("\\\"", "\""));
        }
        status = null;
        continue;
      }
      Matcher response = RESPONSE.matcher(line);
      if (response.find() && method != null) {
        status = Integer.parseInt(response.group(1));
        responseHeaders = new LinkedHashMap<>();
        if (line.endsWith("headers=<")) {
          for (i++; i < lines.size() && !lines.get(i).startsWith(" >"); i++) {
            String header = lines.get(i).trim();
            int colon = header.indexOf(": ");
            if (colon > 0) {
              responseHeaders.put(header.substring(0, colon), header.substring(colon + 2));
            }
          }
        }
      }
    }
    if (method != null && status != null) {
      out.add(
          new Exchange(
              out.size(), method, path, requestHeaders, requestBody, status, responseHeaders, ""));
    }
    return new KubectlTranscript(step, out);
  }

  /** Reads a klog value: a Go-quoted string, or a block of tab-indented lines up to " >". */
  private static int readValue(List<String> lines, int i, String first, StringBuilder out)
      throws IOException {
    if (first.equals("<")) {
      List<String> block = new ArrayList<>();
      for (i++; i < lines.size() && !lines.get(i).startsWith(" >"); i++) {
        String l = lines.get(i);
        block.add(l.startsWith("\t") ? l.substring(1) : l);
      }
      out.append(String.join("\n", block));
      return i;
    }
    out.append(unquoteGo(first.trim()));
    return i;
  }

  /** strconv.Unquote for the escapes Go's %q writes: \" \\ \n \t \r \xNN \\uNNNN \\UNNNNNNNN. */
  static String unquoteGo(String quoted) throws IOException {
    if (quoted.length() < 2 || quoted.charAt(0) != '"' || !quoted.endsWith("\"")) {
      throw new IOException("not a Go-quoted string: " + quoted);
    }
    String s = quoted.substring(1, quoted.length() - 1);
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'x' -> {
          out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        }
        case 'u' -> {
          out.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
          i += 4;
        }
        case 'U' -> {
          out.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 9), 16));
          i += 8;
        }
        default -> out.append(e);
      }
    }
    return out.toString();
  }
}
