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
            "sent  GET /api/v1/pods?limit=1\n",
            "sent  GET /api/v1/pods?resourceVersion=48211&resourceVersionMatch=NotOlderThan\n",
            "sent  GET /api/v1/nodes?limit=3&continue=3\n");
    assertThat(strict).contains("rejected [SC101, SC106]", "rejected [SC104, SC105]");
  }
}
