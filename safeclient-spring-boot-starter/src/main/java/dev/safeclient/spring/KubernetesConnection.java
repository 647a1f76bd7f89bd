package dev.safeclient.spring;

import dev.safeclient.core.auth.TokenSource;
import io.kubernetes.client.openapi.ApiClient;

/**
 * What the loading rules found: the base client, where fresh credentials come from after a 401
 * (null when they cannot be refreshed), and where the configuration came from.
 */
public record KubernetesConnection(ApiClient apiClient, TokenSource tokenSource, String origin) {}
