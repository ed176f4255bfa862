package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Netty on its native epoll transport, loaded before chroot, serving while confined. */
class NettyEpollExampleIT {
  private Examples.JailWithSecret jail;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = new Examples.JailWithSecret("netty");
  }

  @AfterEach
  void tearDown() {
    if (jail != null) {
      jail.remove();
    }
  }

  @Test
  void servesOverNativeEpollWhileConfined() throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child =
        ChildJvm.start(List.of(), "dev.confine.examples.NettyEpollExample",
            "--port", String.valueOf(port), "--root", jail.jail.toString(), "--seconds", "120")) {
      try {
        String listening = child.await("LISTENING", Duration.ofSeconds(90));
        assertTrue(listening.contains("EpollServerSocketChannel"), listening);
        assertTrue(child.output().contains("confinement report:"), child.output());
        Examples.assertConfinedFromOutside(child.pid(), jail.jail);
        Examples.assertTargetsExist(jail);
        String maps = Files.readString(Path.of("/proc", String.valueOf(child.pid()), "maps"));
        assertTrue(maps.contains("netty_transport_native_epoll"), "the native epoll library is mapped");

        String base = "http://127.0.0.1:" + port;
        for (int i = 0; i < 3; i++) {
          Curl.Answer page = Curl.get(base + "/");
          Examples.assertIdentityPage(page, jail.jail);
          assertTrue(page.body.endsWith("\ntransport=EpollSocketChannel\n"), page.body);
        }
        for (String traversal : Examples.TRAVERSALS) {
          Examples.assertNoLeak(Curl.get(base + traversal), jail, traversal);
        }
        Examples.assertConfinedFromOutside(child.pid(), jail.jail);
        Examples.assertNoJvmTrouble(child);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\nthe example said:\n" + child.output(), e);
      }
    }
  }
}
