package dev.confine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.PreflightException;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The test kit with a jail that is a bind mount of another directory (issue 23): public types only. */
class FakeKernelBindMountTest {
  private static FakeKernel machine() {
    return new FakeKernel()
        .directory("/srv/data/www")
        .directory("/srv/jail")
        .user("nobody", 65534, 65534)
        .bindMount("/srv/data", "/srv/jail", "rw", "nodev", "nosuid");
  }

  private static ConfinementPolicy allowing(int fd) {
    return Confinement.builder().root("/srv/jail").user("nobody").allowOpenDirectory(fd).build();
  }

  private static List<String> errors(FakeKernel kernel, int fd) {
    return kernel.check(allowing(fd)).errors().stream().map(Finding::code).collect(Collectors.toList());
  }

  @Test
  void aDirectoryKeptInTheBindsSourceIsRefusedThoughAllowed() {
    FakeKernel kernel = machine();
    int fd = kernel.leakDirectoryDescriptor("/srv/data/www");
    assertEquals(List.of("open-directory-fd"), errors(kernel, fd));
    PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(allowing(fd)));
    assertTrue(e.getMessage().contains("on another mount"), e.getMessage());
    assertEquals("/", kernel.root());
  }

  @Test
  void controlTheSameDirectoryKeptThroughTheJailIsAllowed() {
    FakeKernel kernel = machine();
    int fd = kernel.leakDirectoryDescriptor("/srv/jail/www");
    assertEquals(List.of(), errors(kernel, fd));
    kernel.apply(allowing(fd));
    assertEquals("/srv/jail", kernel.root());
  }
}
