/** JMH benchmarks and drills; results live under {@code benchmarks/results/}. */
package dev.safeclient.benchmarks;
