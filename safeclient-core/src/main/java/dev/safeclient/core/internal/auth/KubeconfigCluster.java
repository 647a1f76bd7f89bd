package dev.safeclient.core.internal.auth;

/**
 * The cluster entry a client was built with: its server, the CA it trusts, and how it checks the
 * server's name. Read once, when the client is built, and never again: a credential source re-reads
 * its user, not the cluster, so that a kubeconfig edit cannot send credentials elsewhere.
 */
record KubeconfigCluster(
    String server, byte[] certificateAuthority, String tlsServerName, boolean insecure) {}
