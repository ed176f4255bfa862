package dev.confine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The static-file resolver refuses, before any file system access, every path that leaves /www. */
class HttpServerExampleFilesTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/files/../../etc/passwd",
        "/files/../hello.txt",
        "/files/./../hello.txt",
        "/files/a/../../etc/passwd",
        "/files//etc/passwd",
        "/files/",
        "/files/..",
        "/files/\0x",
        "/files/..\\..\\etc\\passwd",
        "/etc/passwd",
        "/filesx/../etc/passwd",
      })
  void pathsOutsideWwwAreRefused(String decodedPath) {
    assertEquals(Optional.empty(), HttpServerExample.resolve(decodedPath), decodedPath);
  }
}
