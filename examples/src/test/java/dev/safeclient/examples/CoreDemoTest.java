package dev.safeclient.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's demo keeps working: each mode shows what it sent. */
class CoreDemoTest {
  @Test
  void showsTheSameCallsInEachModeWithWhatWentOut() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    CoreDemo.runSimulated("default", new PrintStream(bytes, true, StandardCharsets.UTF_8));

    String out = bytes.toString(StandardCharsets.UTF_8);
    String observe = out.substring(out.indexOf("=== OBSERVE ==="), out.indexOf("=== ENFORCE ==="));
    String enforce = out.substring(out.indexOf("=== ENFORCE ==="), out.indexOf("=== STRICT ==="));
    String strict = out.substring(out.indexOf("=== STRICT ==="));
    assertThat(observe).contains("sent  GET /api/v1/pods\n", "warn  SC101", "warn  SC106");
    assertThat(enforce)
        .contains(
            // A 1.30 server, asked once; pods this process never saw change pass through (a
            // not-older-than read of a quiet resource would wait 3 s for a 504), and the
            // consistent list, read from etcd on 1.30, is paged.
            "sent  GET /version\n",
            "sent  GET /api/v1/pods\n",
            "from etcd on this server (1.30; selectors do not reduce it); sent as it is"
                + " (resource not known to be busy)",
            "sent  GET /api/v1/nodes?limit=3&continue=3\n");
    assertThat(strict).contains("rejected [SC101, SC106]", "rejected [SC104, SC105]");
  }
}
