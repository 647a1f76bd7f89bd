/**
 * What this client knows about the API server at hand: the oldest version seen per host, and what
 * it saw of each resource (recent changes, a lagging cache's 504, a probe's 403). SC101 and SC102
 * decide from it, through the api-model's serving rules.
 */
package dev.safeclient.core.internal.server;
