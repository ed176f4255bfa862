package dev.confine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.confine.Credentials;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunsTest {
  /** The one format of the examples' answer; the ITs (Examples.assertIdentityPage) parse it. */
  @Test
  void theIdentityPageHasOneFormat() {
    Credentials nobody = new Credentials(List.of(65534L, 65534L, 65534L), List.of(65534L, 65534L, 65534L), List.of());
    assertEquals(
        "uid=[65534, 65534, 65534]\n"
            + "gid=[65534, 65534, 65534]\n"
            + "groups=[]\n"
            + "root=/run/confine-example/jail (chrooted; \"/\" holds: hello.txt,www)\n"
            + "etc-passwd-visible=false\n"
            + "path=/whoami\n",
        Runs.identityPage(nobody, Path.of("/run/confine-example/jail"), "hello.txt,www", false, "path", "/whoami"));
  }

  @Test
  void anotherExamplesLastLineIsItsOwnTheRestTheSame() {
    Credentials someone = new Credentials(List.of(1L, 2L, 3L), List.of(4L, 5L, 6L), List.of(7L));
    String page = Runs.identityPage(someone, Path.of("/j"), "", true, "transport", "EpollSocketChannel");
    assertEquals(
        "uid=[1, 2, 3]\ngid=[4, 5, 6]\ngroups=[7]\nroot=/j (chrooted; \"/\" holds: )\netc-passwd-visible=true\ntransport=EpollSocketChannel\n",
        page);
  }
}
