package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.ListOptions;
import dev.safeclient.apiserver.RequestInfo;

/** One read request to the relay: what it names, its options, and the relayed resource. */
public record RelayRequest(RequestInfo info, ListOptions options, ResourceSpec resource) {}
