package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Jetty 12 over TLS with a key made at start, confined; answers with who it is now. */
class JettyExampleIT {
  private Examples.JailWithSecret jail;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = new Examples.JailWithSecret("jetty");
  }

  @AfterEach
  void tearDown() {
    if (jail != null) {
      jail.remove();
    }
  }

  @Test
  void servesHttpsWhileConfined() throws Exception {
    int port = Examples.freePort();
    try (ChildJvm child =
        ChildJvm.start(List.of(), "dev.confine.examples.JettyExample",
            "--port", String.valueOf(port), "--root", jail.jail.toString(), "--seconds", "120")) {
      try {
        child.await("LISTENING", Duration.ofSeconds(90));
        assertTrue(child.output().contains("confinement report:"), child.output());
        Examples.assertConfinedFromOutside(child.pid(), jail.jail);
        Examples.assertTargetsExist(jail);

        String base = "https://127.0.0.1:" + port;
        // Several requests: new TLS handshakes after chroot, on Jetty's pool threads.
        for (int i = 0; i < 3; i++) {
          Curl.Answer page = Curl.get(base + "/whoami");
          Examples.assertIdentityPage(page, jail.jail);
          assertEquals("https", page.scheme.toLowerCase(java.util.Locale.ROOT), page.toString());
          assertTrue(page.body.contains("\npath=/whoami\n"), page.body);
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
