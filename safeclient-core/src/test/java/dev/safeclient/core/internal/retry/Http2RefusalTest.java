package dev.safeclient.core.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.util.List;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.internal.http2.ConnectionShutdownException;
import org.junit.jupiter.api.Test;

/**
 * Pins the OkHttp internals that {@link Http2Refusal} names: an OkHttp upgrade that moves them
 * fails here.
 */
class Http2RefusalTest {
  /** RST_STREAM's error code for REFUSED_STREAM (RFC 9113, section 7). */
  private static final int REFUSED_STREAM = 0x7;

  @StartStop final MockWebServer server = new MockWebServer();

  @Test
  void aRealRefusedStreamIsRecognisedAsNeverSent() {
    server.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    server.enqueue(
        new MockResponse.Builder()
            .onRequestStart(new SocketEffect.CloseStream(REFUSED_STREAM))
            .build());
    OkHttpClient client =
        new OkHttpClient.Builder()
            .protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
            .retryOnConnectionFailure(false)
            .build();

    IOException e =
        catchThrowableOfType(
            IOException.class,
            () -> client.newCall(new Request.Builder().url(server.url("/")).build()).execute());

    assertThat(e).isNotNull();
    assertThat(Http2Refusal.refusedStream(e)).as("OkHttp's exception for %s", e).isTrue();
    assertThat(NeverSent.reason(e)).isEqualTo("refused-stream");
  }

  @Test
  void aStreamOnAShutDownConnectionIsNeverSent() {
    IOException e = new ConnectionShutdownException();
    assertThat(Http2Refusal.onShutDownConnection(e)).isTrue();
    assertThat(NeverSent.reason(new IOException("call failed", e))).isEqualTo("goaway");
    assertThat(Http2Refusal.refusedStream(e)).isFalse();
  }
}
