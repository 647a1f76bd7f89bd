package dev.safeclient.core.internal.rules;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApplicationUserAgentTest {
  @Test
  void springApplicationNameWinsAndStaysAValidHeaderValue() {
    String before = System.getProperty("spring.application.name");
    System.setProperty("spring.application.name", "café-agent");
    try {
      assertThat(ApplicationUserAgent.detect()).startsWith("caf_-agent (").endsWith(") safeclient");
    } finally {
      if (before == null) {
        System.clearProperty("spring.application.name");
      } else {
        System.setProperty("spring.application.name", before);
      }
    }
  }

  @Test
  void theMainClassOrJarNamesTheApplicationOtherwise() {
    String before = System.getProperty("sun.java.command");
    try {
      System.setProperty("sun.java.command", "com.example.NodeAgent --verbose");
      assertThat(ApplicationUserAgent.application()).isEqualTo("NodeAgent");
      System.setProperty("sun.java.command", "/opt/app/telemetry-agent.jar --port 9");
      assertThat(ApplicationUserAgent.application()).isEqualTo("telemetry-agent");
    } finally {
      System.setProperty("sun.java.command", before == null ? "" : before);
    }
  }
}
