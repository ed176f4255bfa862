package dev.confine.spring;

/**
 * The application may not start: its {@code confine.*} properties make no policy, or its jail is
 * refused. Carries the one-line cause and what to do, which {@link ConfineFailureAnalyzer} shows as
 * Boot's "APPLICATION FAILED TO START" report instead of a long trace of nested bean failures.
 */
final class ConfineRefusal extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final String action;

  ConfineRefusal(String description, String action, Throwable cause) {
    super(description, cause);
    this.action = action;
  }

  String action() {
    return action;
  }
}
