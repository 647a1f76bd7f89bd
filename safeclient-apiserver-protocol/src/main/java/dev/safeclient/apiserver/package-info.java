/**
 * The server side of the Kubernetes API protocol, with no storage behind it: what a request asks
 * ({@link dev.safeclient.apiserver.RequestInfo}, {@link dev.safeclient.apiserver.ListOptions}),
 * where in resourceVersion history it may be answered ({@link dev.safeclient.apiserver.ReadMode},
 * {@link dev.safeclient.apiserver.WatchStart}), which objects it selects ({@link
 * dev.safeclient.apiserver.SelectionPredicate}), and how the answer looks on the wire ({@link
 * dev.safeclient.apiserver.Status}, {@link dev.safeclient.apiserver.WatchEvents}, {@link
 * dev.safeclient.apiserver.ContinueToken}). Each rule is kube-apiserver's, with its messages, so a
 * server built on it answers as the apiserver would.
 */
package dev.safeclient.apiserver;
