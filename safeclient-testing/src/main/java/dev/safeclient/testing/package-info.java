/** KubeSim: an in-process simulated API server that counts what a real one would pay. */
package dev.safeclient.testing;
