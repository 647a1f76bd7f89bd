package dev.safeclient.testing;

import java.util.regex.Pattern;

/**
 * Which names a kind accepts, as each kind's validation calls it (k8s.io/apimachinery
 * pkg/api/validation/generic.go NameIsDNSSubdomain, NameIsDNSLabel, NameIsDNS1035Label; rbac's
 * ValidateRBACName is path.ValidatePathSegmentName). Most kinds, and custom resources, take a DNS
 * subdomain.
 */
final class ObjectNames {
  private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final String SUBDOMAIN = LABEL + "(\\." + LABEL + ")*";
  private static final String LABEL_1035 = "[a-z]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern SUBDOMAIN_PATTERN = Pattern.compile(SUBDOMAIN);
  private static final Pattern LABEL_PATTERN = Pattern.compile(LABEL);
  private static final Pattern LABEL_1035_PATTERN = Pattern.compile(LABEL_1035);

  /** validation.DNS1123SubdomainMaxLength, DNS1123LabelMaxLength (= DNS1035LabelMaxLength). */
  private static final int SUBDOMAIN_MAX = 253;

  private static final int LABEL_MAX = 63;

  private ObjectNames() {}

  /** The messages of validation.IsDNS1123Subdomain and its siblings, or null if valid. */
  static String invalid(ResourceType t, String name) {
    String kindKey = t.group() + "/" + t.plural();
    switch (kindKey) {
      case "/namespaces":
        return label(name, LABEL_PATTERN, LABEL, "RFC 1123 label", "'my-name',  or '123-abc'");
      case "/services":
        return label(
            name, LABEL_1035_PATTERN, LABEL_1035, "DNS-1035 label", "'my-name',  or 'abc-123'");
      case "rbac.authorization.k8s.io/roles":
      case "rbac.authorization.k8s.io/rolebindings":
      case "rbac.authorization.k8s.io/clusterroles":
      case "rbac.authorization.k8s.io/clusterrolebindings":
        return pathSegment(name);
      default:
        return subdomain(name);
    }
  }

  private static String subdomain(String name) {
    if (name.length() > SUBDOMAIN_MAX) {
      return "must be no more than " + SUBDOMAIN_MAX + " characters";
    }
    if (!SUBDOMAIN_PATTERN.matcher(name).matches()) {
      return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters,"
          + " '-' or '.', and must start and end with an alphanumeric character (e.g."
          + " 'example.com', regex used for validation is '"
          + SUBDOMAIN
          + "')";
    }
    return null;
  }

  private static String label(
      String name, Pattern pattern, String regex, String what, String examples) {
    if (name.length() > LABEL_MAX) {
      return "must be no more than " + LABEL_MAX + " characters";
    }
    if (!pattern.matcher(name).matches()) {
      String rule =
          what.startsWith("DNS-1035")
              ? "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start"
                  + " with an alphabetic character, and end with an alphanumeric character"
              : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or"
                  + " '-', and must start and end with an alphanumeric character";
      return rule + " (e.g. " + examples + ", regex used for validation is '" + regex + "')";
    }
    return null;
  }

  private static String pathSegment(String name) {
    if (name.equals(".") || name.equals("..")) {
      return "may not be '" + name + "'";
    }
    if (name.contains("/")) {
      return "may not contain '/'";
    }
    if (name.contains("%")) {
      return "may not contain '%'";
    }
    return null;
  }
}
