package dev.confine.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link ConfineRefusal}, however deep in the bean-creation exceptions Boot wraps it, into
 * Boot's "APPLICATION FAILED TO START" report: what was refused (each finding once) and the action.
 */
final class ConfineFailureAnalyzer extends AbstractFailureAnalyzer<ConfineRefusal> {
  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, ConfineRefusal cause) {
    return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
  }
}
