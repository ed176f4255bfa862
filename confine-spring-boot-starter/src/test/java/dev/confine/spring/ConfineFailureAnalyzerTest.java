package dev.confine.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

class ConfineFailureAnalyzerTest {
  @Test
  void aRefusalDeepInBeanCreationBecomesBootsReportWithTheAction() {
    ConfineRefusal refusal = new ConfineRefusal("confine: the jail /srv/app/jail is refused:\n  ERROR jail-writable: ...", "Fix each finding.", null);
    // Boot wraps it in bean-creation exceptions, several deep.
    Throwable wrapped = new IllegalStateException("Error creating bean with name 'confineOnListen'",
        new RuntimeException("Failed to instantiate [ConfineOnListen]", refusal));
    FailureAnalysis analysis = new ConfineFailureAnalyzer().analyze(wrapped);
    assertEquals(refusal.getMessage(), analysis.getDescription());
    assertEquals("Fix each finding.", analysis.getAction());
    // Control: a failure that is not confine's is left to Boot's other analyzers.
    assertNull(new ConfineFailureAnalyzer().analyze(new IllegalStateException("port in use")));
  }
}
