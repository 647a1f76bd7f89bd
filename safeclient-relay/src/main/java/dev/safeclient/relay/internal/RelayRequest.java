package dev.safeclient.relay.internal;

/** One read request to the relay: its verb, what it names, and its query. */
public record RelayRequest(
    String verb, ResourceSpec resource, String namespace, String name, ReadQuery query) {}
