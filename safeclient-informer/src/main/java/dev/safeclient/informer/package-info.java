/** Shared, de-duplicated informers with a reflector that is gentle on the control plane. */
package dev.safeclient.informer;
