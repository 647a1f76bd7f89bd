/**
 * The Kubernetes API as a server version defines it, with no client logic: which Protobuf messages
 * exist, and where each server version serves a request and what API Priority and Fairness charges
 * for it. Pure functions and values only, so the client (core), the simulated server (KubeSim) and
 * the relay share one copy of the protocol.
 */
package dev.safeclient.model;
