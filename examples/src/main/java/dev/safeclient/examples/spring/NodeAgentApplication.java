package dev.safeclient.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A node agent (run as a DaemonSet) that watches only the pods of its own node, declared in {@code
 * application.yaml}: one dependency on {@code safeclient-spring-boot-starter} gives it the safe
 * client, the informer, their metrics and a readiness probe that cannot restart the fleet.
 *
 * <p>Run with {@code NODE_NAME} set (the DaemonSet passes it from {@code spec.nodeName}) and a
 * kubeconfig or in-cluster service account.
 */
@SpringBootApplication
public class NodeAgentApplication {
  public static void main(String[] args) {
    SpringApplication.run(NodeAgentApplication.class, args);
  }
}
