package dev.safeclient.appcheck;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A node agent as a user writes it from the README: the starter and an application.yaml. */
@SpringBootApplication
public class CheckApplication {
  public static void main(String[] args) {
    SpringApplication.run(CheckApplication.class, args);
  }
}
