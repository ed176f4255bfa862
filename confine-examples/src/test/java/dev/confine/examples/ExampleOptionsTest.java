package dev.confine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExampleOptionsTest {
  @Test
  void defaultsAreTheExamplesOwn() {
    ExampleOptions o = ExampleOptions.parse("X", 8443, Path.of("/run/confine-example/x"), new String[0]);
    assertEquals(8443, o.port);
    assertEquals(Path.of("/run/confine-example/x"), o.root);
    assertEquals(65534, o.uid);
    assertEquals(65534, o.gid);
    assertEquals("127.0.0.1", o.bind);
    assertEquals(0, o.seconds);
  }

  @Test
  void everyOptionIsRead() {
    ExampleOptions o =
        ExampleOptions.parse(
            "X", 80, Path.of("/run/a"),
            new String[] {"--port", "0", "--root", "/run/b", "--user", "4000", "--group", "4001", "--bind", "::1", "--seconds", "5"});
    assertEquals(0, o.port);
    assertEquals(Path.of("/run/b"), o.root);
    assertEquals(4000, o.uid);
    assertEquals(4001, o.gid);
    assertEquals("::1", o.bind);
    assertEquals(5, o.seconds);
  }
}
