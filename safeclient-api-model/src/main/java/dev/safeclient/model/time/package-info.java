/**
 * The one time source of the client, its informers and KubeSim ({@link
 * dev.safeclient.model.time.TimeSource}), with real, scaled and virtual implementations.
 */
package dev.safeclient.model.time;
