package dev.confine.it;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The check that a test's helper processes (receivers standing in for syslog or systemd) end
 * with it: none still names the test's scratch path or address among its arguments after a grace
 * period. A leftover is killed, then the test fails naming it.
 */
final class Leftovers {
  private Leftovers() {}

  /**
   * Waits up to {@code grace} for every process with an argument containing {@code fragment} to
   * end; kills what remains and throws.
   */
  static void assertNoneOutlives(String fragment, String what, Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    List<Long> left;
    do {
      left = ProcessHandle.allProcesses()
          .filter(p -> p.pid() != ProcessHandle.current().pid())
          .filter(p -> p.info().arguments().map(a -> Arrays.stream(a).anyMatch(arg -> arg.contains(fragment))).orElse(false))
          .map(ProcessHandle::pid)
          .collect(Collectors.toList());
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(100);
    } while (System.nanoTime() < deadline);
    left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    throw new AssertionError(what + " outlived the test by " + grace.toSeconds() + " s: pids " + left);
  }
}
