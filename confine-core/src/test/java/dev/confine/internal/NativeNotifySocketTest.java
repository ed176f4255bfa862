package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Syscall;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kernel's socket, connect and sendto for systemd's notify socket, through the calls that
 * need no root and confine nothing. Java cannot bind an AF_UNIX datagram socket, so the receiving
 * side is ServiceNotificationIT's (a real one, with SCM_CREDENTIALS, on both bindings); here the
 * errno of each refusal shows that the address reached the kernel as written.
 */
class NativeNotifySocketTest {
  private final NativeKernel kernel = NativeKernel.get();

  @Test
  void sockaddrUnIsWhatSdNotifyPasses() {
    // sun_family AF_UNIX (1, little-endian), then the path and its NUL...
    assertArrayEquals(new byte[] {1, 0, '/', 'r', 'u', 'n', '/', 'n', 0}, NativeKernel.sockaddrUn("/run/n"));
    // ...or a NUL and the abstract name, counted without a trailing NUL.
    assertArrayEquals(new byte[] {1, 0, 0, 'a', 'b'}, NativeKernel.sockaddrUn("@ab"));
    assertEquals(2 + 108, NativeKernel.sockaddrUn("/" + "p".repeat(106)).length, "107 bytes and the NUL fill sun_path");
    assertEquals(2 + 108, NativeKernel.sockaddrUn("@" + "a".repeat(107)).length);
    for (String bad : new String[] {"/" + "p".repeat(107), "@" + "a".repeat(108), "relative", "/a\0b"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeKernel.sockaddrUn(bad));
      assertTrue(e.getMessage().endsWith(bad), e.getMessage());
    }
  }

  @Test
  void theSocketIsASocketAndEachRefusalCarriesTheKernelsErrno(@TempDir Path directory) throws Exception {
    Path stream = directory.resolve("stream.sock");
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(stream));
      int fd = kernel.unixDatagramSocket();
      try {
        assertEquals(FileStatus.Type.SOCKET, kernel.fstat(fd).type);
        // The path reached the kernel as written: it found the socket there, a stream one.
        ErrnoException wrongType = assertThrows(ErrnoException.class, () -> kernel.connect(fd, stream.toString()));
        assertEquals(Syscall.CONNECT, wrongType.syscall());
        assertEquals("EPROTOTYPE", wrongType.errnoName(), wrongType.getMessage());
        assertTrue(wrongType.getMessage().contains("\"" + stream + "\""), wrongType.getMessage());
        ErrnoException missing = assertThrows(ErrnoException.class, () -> kernel.connect(fd, directory.resolve("missing").toString()));
        assertEquals("ENOENT", missing.errnoName());
        ErrnoException nobody = assertThrows(ErrnoException.class, () -> kernel.connect(fd, "@confine-test-" + UUID.randomUUID()));
        assertEquals("ECONNREFUSED", nobody.errnoName());
        ErrnoException unconnected = assertThrows(ErrnoException.class, () -> kernel.send(fd, "READY=1".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Syscall.SEND, unconnected.syscall());
        assertEquals("ENOTCONN", unconnected.errnoName());
        assertTrue(unconnected.getMessage().contains("READY=1"), unconnected.getMessage());
      } finally {
        kernel.close(fd);
      }
    }
    ErrnoException closed = assertThrows(ErrnoException.class, () -> kernel.send(1 << 20, new byte[] {'x'}));
    assertEquals("EBADF", closed.errnoName());
  }

  @Test
  void theEnvironmentAndPidAreTheProcesss() {
    assertEquals(ProcessHandle.current().pid(), kernel.processId());
    assertEquals(System.getenv("PATH"), kernel.environment("PATH").orElse(null));
    assertTrue(kernel.environment("CONFINE_TEST_" + UUID.randomUUID().toString().replace('-', '_')).isEmpty());
  }
}
