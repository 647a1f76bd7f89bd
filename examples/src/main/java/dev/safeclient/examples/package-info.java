/** Runnable programs that show safeclient against a server they start themselves. */
package dev.safeclient.examples;
