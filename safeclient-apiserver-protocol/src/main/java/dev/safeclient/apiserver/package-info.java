/**
 * The server side of the Kubernetes API protocol, with no storage behind it. What a request asks:
 * {@link dev.safeclient.apiserver.RequestInfo} (from method, path and {@link
 * dev.safeclient.apiserver.Query}) and {@link dev.safeclient.apiserver.ListOptions}. Where in
 * resourceVersion history it may be answered: {@link dev.safeclient.apiserver.ReadMode} for a list,
 * {@link dev.safeclient.apiserver.WatchStart} for a watch. Which objects it selects: {@link
 * dev.safeclient.apiserver.SelectionPredicate} ({@link dev.safeclient.apiserver.LabelSelector},
 * {@link dev.safeclient.apiserver.FieldSelector}, {@link dev.safeclient.apiserver.FieldLabels})
 * over a {@link dev.safeclient.apiserver.SelectableObject}. How the answer looks on the wire:
 * {@link dev.safeclient.apiserver.Status}, {@link dev.safeclient.apiserver.ListBody}, {@link
 * dev.safeclient.apiserver.ContinueToken}, {@link dev.safeclient.apiserver.WatchEvents}, {@link
 * dev.safeclient.apiserver.ProtobufEnvelope}, {@link dev.safeclient.apiserver.DiscoveryDocuments},
 * {@link dev.safeclient.apiserver.MediaTypes}. How a watch is written on Jetty: {@link
 * dev.safeclient.apiserver.WatchStreamWriter} and {@link dev.safeclient.apiserver.WebSocketWatch}.
 * Each rule is kube-apiserver's, with its messages, so a server built on it answers as the
 * apiserver would; objects are written from their stored bytes, never re-encoded.
 */
package dev.safeclient.apiserver;
