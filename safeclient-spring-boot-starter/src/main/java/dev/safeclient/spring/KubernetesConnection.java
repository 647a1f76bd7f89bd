package dev.safeclient.spring;

import dev.safeclient.core.TokenSource;
import io.kubernetes.client.openapi.ApiClient;

/**
 * What the loading rules found: the base client, the credentials pinned to it (re-read periodically
 * and after a 401; null when its context names no user), and where the configuration came from.
 */
record KubernetesConnection(ApiClient apiClient, TokenSource tokenSource, String origin) {}
