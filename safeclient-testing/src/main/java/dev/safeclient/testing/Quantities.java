package dev.safeclient.testing;

import java.math.BigDecimal;

/**
 * Kubernetes resource quantities ("100m", "1Gi", "1e3") compared by value, as resource.Quantity.
 */
final class Quantities {
  private static final String[] BINARY = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  private static final String[] DECIMAL = {"k", "M", "G", "T", "P", "E"};

  private Quantities() {}

  /** Whether two quantities are equal; an unparsable one equals only its own spelling. */
  static boolean equal(String a, String b) {
    BigDecimal x = value(a);
    BigDecimal y = value(b);
    return x == null || y == null ? a.equals(b) : x.compareTo(y) == 0;
  }

  /** The quantity's value, or null when it is not a quantity. */
  static BigDecimal value(String q) {
    try {
      for (int i = 0; i < BINARY.length; i++) {
        if (q.endsWith(BINARY[i])) {
          return new BigDecimal(q.substring(0, q.length() - 2))
              .multiply(BigDecimal.valueOf(1024).pow(i + 1));
        }
      }
      for (int i = 0; i < DECIMAL.length; i++) {
        if (q.endsWith(DECIMAL[i])) {
          return new BigDecimal(q.substring(0, q.length() - 1)).scaleByPowerOfTen(3 * (i + 1));
        }
      }
      if (q.endsWith("m")) {
        return new BigDecimal(q.substring(0, q.length() - 1)).scaleByPowerOfTen(-3);
      }
      return new BigDecimal(q);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
