package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ContainerViewTest {
  @Test
  void aValueWithItsFigures() {
    ContainerView view = ContainerView.of(1, 2, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30));
    assertEquals(1, view.availableProcessorsBefore());
    assertEquals(2, view.availableProcessorsAfter());
    assertEquals(OptionalLong.of(1L << 30), view.totalMemoryBefore());
    assertEquals(OptionalLong.of(24L << 30), view.totalMemoryAfter());
    assertTrue(view.changed());
    assertEquals("availableProcessors 1 -> 2, total memory 1073741824 -> 25769803776 bytes", view.toString());
    assertEquals(view, ContainerView.of(1, 2, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30)));
    assertEquals(view.hashCode(), ContainerView.of(1, 2, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30)).hashCode());
    assertNotEquals(view, ContainerView.of(1, 1, OptionalLong.of(1L << 30), OptionalLong.of(24L << 30)));
  }

  @Test
  void unchangedFiguresAndUnreadMemory() {
    ContainerView view = ContainerView.of(4, 4, OptionalLong.empty(), OptionalLong.empty());
    assertFalse(view.changed());
    assertEquals("availableProcessors 4 -> 4, total memory not read", view.toString());
    assertTrue(ContainerView.of(4, 4, OptionalLong.of(1), OptionalLong.of(2)).changed(), "memory alone");
  }

  @Test
  void badFiguresAreRefusedNamingThem() {
    IllegalArgumentException processors =
        assertThrows(IllegalArgumentException.class, () -> ContainerView.of(0, 2, OptionalLong.empty(), OptionalLong.empty()));
    assertEquals("processor counts must be at least 1: before 0, after 2", processors.getMessage());
    IllegalArgumentException memory =
        assertThrows(IllegalArgumentException.class, () -> ContainerView.of(1, 1, OptionalLong.of(-1), OptionalLong.empty()));
    assertEquals("memory figures must not be negative: before OptionalLong[-1], after OptionalLong.empty", memory.getMessage());
    NullPointerException missing = assertThrows(NullPointerException.class, () -> ContainerView.of(1, 1, null, OptionalLong.empty()));
    assertEquals("memoryBefore", missing.getMessage());
  }
}
