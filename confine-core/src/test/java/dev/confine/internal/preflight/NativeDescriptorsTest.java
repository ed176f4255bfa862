package dev.confine.internal.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.internal.Internal;
import dev.confine.ConfinementPolicy;
import dev.confine.Finding;
import dev.confine.internal.Kernel;
import dev.confine.internal.NativeKernel;
import dev.confine.internal.OpenFile;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inherited-descriptor check and the calls under it against the real kernel, in this test's
 * own JVM (never confined: the check only reads). No root needed: the target is a uid this
 * process is not, so its own 0600 files are ones the target could not open.
 */
class NativeDescriptorsTest {
  private static final long TARGET = 4242;
  private final NativeKernel kernel = NativeKernel.get();

  private static ConfinementPolicy policy() {
    return Confinement.builder().root("/srv/jail").user(TARGET).group(TARGET).build();
  }

  private List<Finding> inherited() throws Exception {
    List<Finding> findings = new ArrayList<>();
    ProcessChecks.inheritedDescriptors(new PreflightContext(Internal.get().viewOf(policy()), Optional.empty(), kernel, Optional.empty()), findings);
    return findings;
  }

  /** This JVM's open sockets, as "fd target" ("12 socket:[345]"). */
  private Set<String> fds() throws Exception {
    return kernel.openFiles().stream().filter(f -> f.target.startsWith("socket:"))
        .map(f -> f.fd + " " + f.target).collect(Collectors.toCollection(TreeSet::new));
  }

  /**
   * The sockets opened since {@code before}: by number and inode, not by number alone, since a
   * number another thread of this JVM held for a moment when {@code before} was read may be the
   * new socket's now (seen once: the listener's descriptor was "not new").
   */
  private Set<Integer> since(Set<String> before) throws Exception {
    Set<String> now = fds();
    now.removeAll(before);
    return now.stream().map(s -> Integer.parseInt(s.substring(0, s.indexOf(' ')))).collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void thisJvmAloneGivesNoFinding() throws Exception {
    // The test JVM's own descriptors: class path jars, the JDK's modules, surefire's streams, /dev/urandom,
    // and NIO's pre-close socket (a socketpair whose other end the JDK closed).
    assertEquals(List.of(), inherited(), kernel.openFiles().toString());
  }

  @Test
  void aFileOnlyItsOwnerMayReadIsCountedWhileOpenForReadingNotWhileOpenForWriting(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), "not for others\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    try (FileInputStream in = new FileInputStream(secret.toFile())) {
      assertTrue(in.getFD().valid());
      List<Finding> found = inherited();
      assertEquals(1, found.size(), found.toString());
      assertTrue(found.get(0).message().contains("(" + secret + ") is a file open for reading"), found.get(0).message());
      assertTrue(found.get(0).message().contains("uid " + TARGET + " with groups [" + TARGET + "] could not open for reading (mode 0600"),
          found.get(0).message());
    }
    // Control: the same file open for appending only (a daemon's log), and world-readable, are not counted.
    try (FileOutputStream log = new FileOutputStream(secret.toFile(), true)) {
      assertTrue(log.getFD().valid());
      assertEquals(List.of(), inherited());
    }
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
    try (FileInputStream in = new FileInputStream(secret.toFile())) {
      assertTrue(in.getFD().valid());
      assertEquals(List.of(), inherited());
    }
  }

  @Test
  void aConnectedUnixSocketNamesItsPeerAListenerAndATcpSocketHaveNone(@TempDir Path dir) throws Exception {
    long pid = ProcessHandle.current().pid();
    long uid = kernel.getresuid().effective;
    Set<String> before = fds();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(dir.resolve("s")));
      Set<Integer> listening = since(before);
      assertEquals(1, listening.size(), listening.toString());
      assertEquals(Optional.empty(), kernel.unixSocketPeer(listening.iterator().next()), "a listener has no peer");
      try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("s")));
          SocketChannel accepted = server.accept()) {
        assertTrue(client.isConnected() && accepted.isConnected());
        Set<Integer> connected = since(before);
        connected.removeAll(listening);
        assertEquals(2, connected.size(), connected.toString());
        for (int fd : connected) {
          Kernel.SocketPeer peer = kernel.unixSocketPeer(fd).orElseThrow();
          assertEquals(pid, peer.pid);
          assertEquals(uid, peer.uid);
        }
        // Both ends are this process's (another uid than the target's, but the same process): not counted.
        assertEquals(List.of(), inherited());
      }
    }
    Set<String> beforeTcp = fds();
    try (ServerSocketChannel tcp = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = SocketChannel.open(tcp.getLocalAddress());
        SocketChannel accepted = tcp.accept()) {
      assertTrue(client.isConnected() && accepted.isConnected());
      for (int fd : since(beforeTcp)) {
        assertEquals(Optional.empty(), kernel.unixSocketPeer(fd), "TCP: not AF_UNIX");
      }
      assertEquals(List.of(), inherited());
    }
  }

  @Test
  void aFileWithoutCapabilitiesHasNoneAndNotASocketIsNoPeer(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertEquals(Optional.empty(), kernel.fileCapabilities(file.toString()));
    assertEquals(Optional.empty(), kernel.fileCapabilities(dir.resolve("gone").toString()));
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      assertTrue(in.getFD().valid());
      for (OpenFile f : kernel.openFiles()) {
        if (f.target.equals(file.toString())) {
          assertEquals(Optional.empty(), kernel.unixSocketPeer(f.fd), "ENOTSOCK: no peer");
        }
      }
    }
  }
}
