package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The test kit's descriptors: a leaked file and the standard streams, as a daemon's own test would set them. */
class FakeKernelDescriptorsTest {
  private static FakeKernel machine() {
    return new FakeKernel().directory("/srv/jail").file("/etc/app-secret", 0, 0600).user("app", 4000, 4000);
  }

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user("app").build();
  }

  private static List<String> process(FakeKernel kernel) {
    return kernel.check(policy()).findings().stream()
        .filter(f -> f.code().equals("inherited-descriptor") || f.code().equals("terminal"))
        .map(f -> f.severity() + " " + f.code())
        .collect(Collectors.toList());
  }

  @Test
  void aLeakedSecretIsAWarningAndATerminalInfo() {
    FakeKernel kernel = machine();
    kernel.leakFileDescriptor("/etc/app-secret");
    assertEquals(List.of("WARNING inherited-descriptor", "INFO terminal"), process(kernel));
  }

  @Test
  void controlNoLeakAndStreamsOnDevNullGiveNeither() {
    assertEquals(List.of(), process(machine().standardStreams("/dev/null")));
  }

  @Test
  void theFindingNamesTheFile() {
    FakeKernel kernel = machine().standardStreams("/dev/null");
    int fd = kernel.leakFileDescriptor("/etc/app-secret");
    Finding f = kernel.check(policy()).findings().stream().filter(x -> x.code().equals("inherited-descriptor")).findFirst().orElseThrow();
    assertTrue(f.message().startsWith("fd " + fd + " (/etc/app-secret) is a file open for reading"), f.message());
  }
}
