package dev.safeclient.core.internal.retry;

import dev.safeclient.core.internal.protocol.ApiStatus;
import dev.safeclient.model.serving.BuiltInApis;
import dev.safeclient.model.serving.ServerVersion;
import java.util.OptionalLong;
import okhttp3.Response;

/**
 * What an error answer from the API server means for retries and the breaker: its {@link ApiStatus}
 * (Retry-After, reason, causes) and its APF flow headers, which tell overload from a blocked
 * eviction, an initialising cache or a lagging cache. The body is read (peeked, never consumed)
 * only for codes ≥ 429.
 */
public final class ServerAnswer {
  public static final String FLOW_SCHEMA_HEADER = "X-Kubernetes-PF-FlowSchema-UID";
  public static final String PRIORITY_LEVEL_HEADER = "X-Kubernetes-PF-PriorityLevel-UID";

  private final ApiStatus status;
  private final String flowSchemaUid;
  private final String priorityLevelUid;

  private ServerAnswer(ApiStatus status, String flowSchemaUid, String priorityLevelUid) {
    this.status = status;
    this.flowSchemaUid = flowSchemaUid;
    this.priorityLevelUid = priorityLevelUid;
  }

  public static ServerAnswer of(Response response) {
    return new ServerAnswer(
        response.code() >= 429 ? ApiStatus.of(response) : ApiStatus.withoutBody(response),
        response.header(FLOW_SCHEMA_HEADER),
        response.header(PRIORITY_LEVEL_HEADER));
  }

  public int code() {
    return status.code();
  }

  public OptionalLong retryAfterSeconds() {
    return status.retryAfterSeconds();
  }

  public String flowSchemaUid() {
    return flowSchemaUid;
  }

  public String priorityLevelUid() {
    return priorityLevelUid;
  }

  public boolean hasFlowHeaders() {
    return flowSchemaUid != null || priorityLevelUid != null;
  }

  /** An eviction blocked by a PodDisruptionBudget: 429, cause {@code DisruptionBudget}. */
  public boolean isDisruptionBudgetBlocked() {
    return status.isDisruptionBudgetBlocked();
  }

  /** The watch cache is (re)initialising after a restart: transient, not overload. */
  public boolean isStorageInitializing() {
    return status.isStorageInitializing();
  }

  /** SC101's lagging cache ({@link ApiStatus#isResourceVersionTooLarge}); SC101 handles it. */
  public boolean isResourceVersionTooLarge() {
    return status.isResourceVersionTooLarge();
  }

  /** A 429 from API Priority and Fairness or the max-in-flight filter: not executed. */
  public boolean isThrottled() {
    return code() == 429 && !isDisruptionBudgetBlocked() && !isStorageInitializing();
  }

  /**
   * Whether this answer says the API server itself is overloaded: an APF 429 (with its flow
   * headers), a 503 from a built-in group, or a timeout 504. Admission-webhook 500s, aggregated-API
   * 503s, initialising caches and lagging caches say nothing about load.
   */
  public boolean isOverload(ServerVersion server, String group) {
    if (code() == 429) {
      return isThrottled() && hasFlowHeaders();
    }
    if (code() == 503) {
      return !status.plainText() && BuiltInApis.isApiServersOwnGroup(server, group);
    }
    if (code() == 504) {
      return !isResourceVersionTooLarge();
    }
    return false;
  }

  @Override
  public String toString() {
    return status.toString();
  }
}
