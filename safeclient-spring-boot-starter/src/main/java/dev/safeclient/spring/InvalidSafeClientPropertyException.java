package dev.safeclient.spring;

/**
 * A {@code safeclient.*} setting that cannot work. Startup stops with its description and action in
 * Spring Boot's "APPLICATION FAILED TO START" report, instead of a stack trace.
 */
public class InvalidSafeClientPropertyException extends IllegalArgumentException {
  private final String property;
  private final String action;

  InvalidSafeClientPropertyException(String property, String problem, String action) {
    super(property + ": " + problem);
    this.property = property;
    this.action = action;
  }

  /** The property at fault, such as {@code safeclient.informers[0].resource}. */
  public String property() {
    return property;
  }

  /** What to change. */
  public String action() {
    return action;
  }
}
