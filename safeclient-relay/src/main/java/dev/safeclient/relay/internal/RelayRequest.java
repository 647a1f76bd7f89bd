package dev.safeclient.relay.internal;

import dev.safeclient.apiserver.RequestInfo;

/**
 * One read request to the relay, as it is authorized: what it names and its selectors as the client
 * sent them (the apiserver authorizes before it parses a request's options), and the relayed
 * resource.
 */
public record RelayRequest(
    RequestInfo info, String labelSelector, String fieldSelector, ResourceSpec resource) {}
