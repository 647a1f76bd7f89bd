package dev.safeclient.relay.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.apiserver.ApiserverHttp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.Test;

/**
 * An agent's connection to the relay keeps no header field cache: the parser of each connection set
 * up as Jetty's HttpConnection sets it up from the relay's configuration caches nothing after an
 * agent's request, where Jetty's default caches its fields in a table of about 100 kB.
 */
class HeaderFieldCacheTest {
  private static final String AGENT_REQUEST =
      "GET /api/v1/namespaces/ns/pods?watch=true&resourceVersion=12 HTTP/1.1\r\n"
          + "Host: relay.example:8443\r\n"
          + "Authorization: Bearer abc\r\n"
          + "Accept: application/vnd.kubernetes.protobuf;type=watch,application/json\r\n"
          + "User-Agent: fleet-node-agent/1.0\r\n"
          + "Accept-Encoding: gzip\r\n"
          + "\r\n";

  @Test
  void theRelaysConnectionsCacheNoHeaderFields() {
    HttpConfiguration relay = RelayServer.httpConfiguration();
    assertThat(fieldsCachedAfterOneRequest(relay)).isZero();
    // What the cache costs, and that the relay keeps the apiserver's request-line rules.
    assertThat(fieldsCachedAfterOneRequest(ApiserverHttp.configuration())).isPositive();
    assertThat(relay.getUriCompliance()).isEqualTo(ApiserverHttp.URI_COMPLIANCE);
  }

  private static int fieldsCachedAfterOneRequest(HttpConfiguration config) {
    HttpParser parser = new HttpParser(new Handler());
    // As Jetty's HttpConnection configures the parser of each connection.
    parser.setHeaderCacheSize(config.getHeaderCacheSize());
    parser.setHeaderCacheCaseSensitive(config.isHeaderCacheCaseSensitive());
    ByteBuffer request = ByteBuffer.wrap(AGENT_REQUEST.getBytes(StandardCharsets.US_ASCII));
    while (request.hasRemaining() && !parser.isState(HttpParser.State.END)) {
      parser.parseNext(request);
    }
    assertThat(parser.isState(HttpParser.State.END)).isTrue();
    return parser.getFieldCache().size();
  }

  private static final class Handler implements HttpParser.RequestHandler {
    @Override
    public void startRequest(String method, String uri, HttpVersion version) {}

    @Override
    public void parsedHeader(HttpField field) {}

    @Override
    public boolean headerComplete() {
      return false;
    }

    @Override
    public boolean content(ByteBuffer item) {
      return false;
    }

    @Override
    public boolean contentComplete() {
      return false;
    }

    @Override
    public boolean messageComplete() {
      return false;
    }

    @Override
    public void earlyEOF() {}

    @Override
    public void badMessage(org.eclipse.jetty.http.HttpException failure) {}
  }
}
