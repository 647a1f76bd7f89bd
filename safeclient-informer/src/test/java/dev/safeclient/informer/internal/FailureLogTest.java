package dev.safeclient.informer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.safeclient.model.time.VirtualTimeSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log volume: one line per backoff step, one stack trace, a count, a summary on recovery. */
class FailureLogTest {
  @Test
  void repeatedFailuresGiveOneLineEachOneStackTraceAndASummary() {
    VirtualTimeSource clock = VirtualTimeSource.manual();
    // Its own outage summary: the process-wide one is shared with every other test in this JVM.
    FailureLog log =
        new FailureLog(
            "Reflector v1/pods (Test.java:1)",
            clock,
            new OutageSummary(
                clock::nanoTime, org.slf4j.LoggerFactory.getLogger(OutageSummary.class)));
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    // slf4j-simple writes to the System.err of the moment.
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < 5; i++) {
        log.failure("watch", new IOException("connection refused"), Duration.ofSeconds(30));
        clock.advance(Duration.ofSeconds(30));
      }
      log.recovered("watch");
    } finally {
      System.setErr(err);
    }
    List<String> lines =
        Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
            .filter(l -> l.contains("Reflector v1/pods"))
            .toList();
    List<String> stackLines =
        Arrays.stream(captured.toString(StandardCharsets.UTF_8).split("\n"))
            .filter(l -> l.startsWith("\tat "))
            .toList();
    assertThat(lines).hasSize(6);
    assertThat(lines.get(0))
        .contains("watch failed: IOException: connection refused; retrying in 30.0 s");
    assertThat(lines.get(4)).contains("watch failed again (5 times in a row)");
    assertThat(lines.get(5)).contains("watch recovered after 5 failed attempt(s) over 150.0 s");
    assertThat(stackLines).isNotEmpty();
    assertThat(
            captured
                .toString(StandardCharsets.UTF_8)
                .split("java.io.IOException: connection refused", -1))
        .as("one stack trace")
        .hasSize(2);
  }
}
