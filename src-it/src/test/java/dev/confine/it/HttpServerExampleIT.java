package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JDK HttpServer example binds a privileged port, confines itself, serves its jail's files and nothing else. */
class HttpServerExampleIT {
  private Examples.JailWithSecret jail;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    jail = new Examples.JailWithSecret("http");
  }

  @AfterEach
  void tearDown() {
    if (jail != null) {
      jail.remove();
    }
  }

  @Test
  void servesFilesInsideTheJailAndNothingOutside() throws Exception {
    int port = Examples.freePrivilegedPort();
    try (ChildJvm child =
        ChildJvm.start(List.of(), "dev.confine.examples.HttpServerExample",
            "--port", String.valueOf(port), "--root", jail.jail.toString(), "--seconds", "120")) {
      try {
        child.await("LISTENING", Duration.ofSeconds(60));
        assertTrue(child.output().contains("confinement report:"), child.output());
        assertTrue(child.output().contains("setresuid(65534, 65534, 65534)"), child.output());
        Examples.assertConfinedFromOutside(child.pid(), jail.jail);
        Examples.assertTargetsExist(jail);

        String base = "http://127.0.0.1:" + port;
        Curl.Answer page = Curl.get(base + "/whoami");
        Examples.assertIdentityPage(page, jail.jail);
        assertTrue(page.body.endsWith("\npath=/whoami\n"), page.body);
        Curl.Answer hello = Curl.get(base + "/files/hello.txt");
        assertEquals(200, hello.status, hello.toString());
        assertEquals("hello from inside the jail\n", hello.body);
        Curl.Answer index = Curl.get(base + "/files/index.html");
        assertEquals(200, index.status, index.toString());
        assertTrue(index.body.contains("no longer root"), index.body);

        // In the jail but outside /www: refused too.
        assertEquals(404, Curl.get(base + "/files/../hello.txt").status);
        for (String traversal : Examples.TRAVERSALS) {
          Curl.Answer answer = Curl.get(base + "/files" + traversal);
          assertEquals(404, answer.status, "/files" + traversal + ": " + answer);
          Examples.assertNoLeak(answer, jail, "/files" + traversal);
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
