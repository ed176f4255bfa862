package dev.confine.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import org.junit.jupiter.api.Test;

class PremainTest {
  /** A class renamed or gone would silently cost the agent's thread its head start. */
  @Test
  void everyClassLoadedAheadExists() {
    for (String name : Premain.AHEAD) {
      assertDoesNotThrow(() -> Class.forName(name, false, PremainTest.class.getClassLoader()), name);
    }
  }
}
