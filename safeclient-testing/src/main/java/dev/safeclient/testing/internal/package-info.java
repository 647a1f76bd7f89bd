/**
 * The project's own harness, not for users: a real kube-apiserver per pinned release ({@link
 * dev.safeclient.testing.internal.RealApiserver}, its JUnit extension and its metrics bill), the
 * oracle KubeSim and the serving rules are checked against. Depends on {@code
 * dev.safeclient.testing}'s public types only, never the reverse.
 */
package dev.safeclient.testing.internal;
