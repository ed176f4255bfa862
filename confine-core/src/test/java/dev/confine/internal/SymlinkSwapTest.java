package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.SyscallException;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A path component swapped for a symbolic link (or another directory) after preflight checked it
 * and before the root is opened: the fd-based chroot opens every component with O_NOFOLLOW and
 * compares device and inode with what preflight saw, so the swap is refused before chroot and
 * the process stays as it was. The real race, in a child JVM, is EscapeIT.
 */
class SymlinkSwapTest {
  private static Simulation machine() {
    return new Simulation().directory("/srv/jail").directory("/srv/other").directory("/etc").user("nobody", 65534, 65534);
  }

  private static final ConfinementPolicy POLICY = Confinement.builder().root("/srv/jail").user("nobody").build();

  /** A confiner whose kernel runs {@code swap} once, between preflight and the open step. */
  private static Confiner swappingBeforeOpen(Simulation fake, Consumer<Simulation> swap) {
    Kernel kernel =
        new ForwardingKernel(fake.model()) {
          private boolean swapped;

          public int openDirectoryNoFollow(String path) throws ErrnoException {
            if (!swapped) {
              swapped = true;
              swap.accept(fake);
            }
            return fake.model().openDirectoryNoFollow(path);
          }
        }.kernel();
    return new Confiner(
        () -> kernel, new ApplyGuard(), status -> {}, NanoClock.SYSTEM, (p, c) -> Map.of(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {});
  }

  private static void assertUntouched(Simulation fake) {
    assertEquals("/", fake.model().root());
    assertTrue(fake.model().uids().allEqual(0), fake.toString());
    assertFalse(fake.calls().stream().anyMatch(c -> c.startsWith("chroot")), fake.calls().toString());
    assertEquals(java.util.Set.of(0, 1, 2), fake.model().descriptors().keySet(), "the root descriptor was closed");
  }

  @Test
  void aParentComponentSwappedForASymlinkIsRefusedWithEloop() {
    Simulation fake = machine();
    Confiner confiner = swappingBeforeOpen(fake, k -> k.symlink("/srv", "/"));
    SyscallException e = assertThrows(SyscallException.class, () -> confiner.apply(Internal.get().viewOf(POLICY)));
    assertTrue(e.getMessage().contains("ELOOP"), e.getMessage());
    assertFalse(e.pastPointOfNoReturn());
    assertUntouched(fake);
  }

  @Test
  void theRootItselfSwappedForASymlinkIsRefusedWithEloop() {
    Simulation fake = machine();
    Confiner confiner = swappingBeforeOpen(fake, k -> k.symlink("/srv/jail", "/"));
    SyscallException e = assertThrows(SyscallException.class, () -> confiner.apply(Internal.get().viewOf(POLICY)));
    assertTrue(e.getMessage().contains("ELOOP"), e.getMessage());
    assertUntouched(fake);
  }

  @Test
  void theRootReplacedByAnotherDirectoryIsRefusedByInode() {
    Simulation fake = machine();
    Confiner confiner = swappingBeforeOpen(fake, k -> k.directory("/srv/jail"));
    ConfinementException e = assertThrows(ConfinementException.class, () -> confiner.apply(Internal.get().viewOf(POLICY)));
    assertTrue(e.getMessage().contains("changed between preflight and open"), e.getMessage());
    assertFalse(e.pastPointOfNoReturn());
    assertUntouched(fake);
  }

  @Test
  void withoutASwapTheSameConfinerConfines() {
    // The control: the hook alone changes nothing, so the refusals above come from the swaps.
    Simulation fake = machine();
    Confiner confiner = swappingBeforeOpen(fake, k -> {});
    confiner.apply(Internal.get().viewOf(POLICY));
    assertEquals("/srv/jail", fake.model().root());
    assertTrue(fake.model().uids().allEqual(65534));
  }
}
