package dev.safeclient.testing;

import java.util.SplittableRandom;

/**
 * Names from {@code metadata.generateName}, as names.SimpleNameGenerator makes them
 * (k8s.io/apiserver/pkg/storage/names/generate.go): the prefix cut to 58 characters, then 5
 * characters of utilrand.String's alphabet, which leaves out vowels and easily confused characters.
 * KubeSim draws them from a seeded generator so that a replay gives the same names.
 */
final class GeneratedNames {
  /** k8s.io/apimachinery/pkg/util/rand: alphanums. */
  static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** randomLength and maxGeneratedNameLength (63 - 5). */
  static final int SUFFIX_LENGTH = 5;

  private static final int MAX_PREFIX = 58;

  /**
   * How many names a create tries before its 409 (store.go Create, maxNameGenerationCreateAttempts,
   * with the RetryGenerateName gate: beta from 1.31, GA in 1.32; 1.30 tries once).
   */
  static final int ATTEMPTS = 8;

  private GeneratedNames() {}

  static String generate(String prefix, long seed) {
    String base = prefix.length() > MAX_PREFIX ? prefix.substring(0, MAX_PREFIX) : prefix;
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder b = new StringBuilder(base);
    for (int i = 0; i < SUFFIX_LENGTH; i++) {
      b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
    }
    return b.toString();
  }
}
