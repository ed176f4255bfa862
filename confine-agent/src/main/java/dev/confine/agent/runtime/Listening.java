package dev.confine.agent.runtime;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which TCP ports this process listens on, read from the kernel, not from the server: the
 * sockets in LISTEN state (/proc/self/net/tcp and tcp6, state 0A) whose inode is one of this
 * process's descriptors (/proc/self/fd links "socket:[inode]"). It sees blocking and NIO servers
 * alike, instruments nothing, and costs the server nothing once the agent has confined it.
 */
final class Listening {
  private Listening() {}

  /** A LISTEN socket: its local address (4 or 16 bytes), port, owner's uid and inode. */
  static final class Socket {
    final byte[] address;
    final int port;
    final long uid;
    final long inode;

    Socket(byte[] address, int port, long uid, long inode) {
      this.address = address;
      this.port = port;
      this.uid = uid;
      this.inode = inode;
    }
  }

  /** What one look at the tables saw: the listed ports this process listens on, and those another holds. */
  static final class Look {
    final List<AgentOptions.Listen> mine;
    /** A listed port in LISTEN by a socket that is not this process's, with what can be seen of its owner. */
    final Map<AgentOptions.Listen, String> taken;

    Look(List<AgentOptions.Listen> mine, Map<AgentOptions.Listen, String> taken) {
      this.mine = List.copyOf(mine);
      this.taken = Map.copyOf(taken);
    }
  }

  /** The ports of {@code wanted} that a socket of this process listens on now. */
  static List<AgentOptions.Listen> of(List<AgentOptions.Listen> wanted) throws IOException {
    return look(wanted).mine;
  }

  /**
   * One look: which listed ports this process listens on, and which another process holds in
   * LISTEN while this one does not (a port taken before the server could bind it: the server then
   * serves on its other ports as root for as long as the agent would wait).
   */
  static Look look(List<AgentOptions.Listen> wanted) throws IOException {
    List<Socket> listening = new ArrayList<>();
    for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6")) {
      Path file = Path.of(table);
      if (Files.exists(file)) {
        listening.addAll(parse(Files.readString(file, StandardCharsets.US_ASCII)));
      }
    }
    // The descriptors after the tables: a socket has its descriptor before it listens, so one of
    // this process seen listening is among them (read before, a server that listened in between
    // looked like another process holding its own port: Tomcat, in the suite).
    Set<Long> mine = socketInodes();
    List<AgentOptions.Listen> found = new ArrayList<>();
    Map<AgentOptions.Listen, String> taken = new java.util.LinkedHashMap<>();
    for (AgentOptions.Listen listen : wanted) {
      Socket other = null;
      boolean ours = false;
      for (Socket socket : listening) {
        if (socket.port == listen.port && matches(listen.host, socket.address)) {
          if (mine.contains(socket.inode)) {
            ours = true;
            break;
          }
          other = socket;
        }
      }
      if (ours) {
        found.add(listen);
      } else if (other != null) {
        taken.put(listen, "uid " + other.uid + ", socket inode " + other.inode + owner(other.inode));
      }
    }
    return new Look(found, taken);
  }

  /** ", pid N (comm)" of a process holding the socket, when /proc shows one; empty otherwise. */
  private static String owner(long inode) {
    String link = "socket:[" + inode + "]";
    try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
      for (Path process : processes) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
          for (Path fd : fds) {
            if (Files.readSymbolicLink(fd).toString().equals(link)) {
              String comm = Files.readString(process.resolve("comm"), StandardCharsets.US_ASCII).trim();
              return ", pid " + process.getFileName() + " (" + comm + ")";
            }
          }
        } catch (IOException e) {
          // gone meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      return "";
    }
    return "";
  }

  /** Any address (no host given), the socket's own, or a wildcard socket (0.0.0.0, ::) for any host. */
  static boolean matches(String host, byte[] address) {
    if (host.isEmpty()) {
      return true;
    }
    boolean wildcard = true;
    for (byte b : address) {
      wildcard &= b == 0;
    }
    if (wildcard) {
      return true;
    }
    try {
      for (InetAddress candidate : InetAddress.getAllByName(host)) {
        byte[] wantedBytes = candidate.getAddress();
        if (java.util.Arrays.equals(wantedBytes, address)) {
          return true;
        }
        // An IPv4 address as tcp6 shows it: ::ffff:a.b.c.d
        if (wantedBytes.length == 4 && address.length == 16 && address[10] == (byte) 0xff && address[11] == (byte) 0xff
            && java.util.Arrays.equals(wantedBytes, java.util.Arrays.copyOfRange(address, 12, 16))) {
          return true;
        }
      }
    } catch (UnknownHostException e) {
      return false;
    }
    return false;
  }

  /** The LISTEN rows of a /proc/net/tcp or tcp6 table. */
  static List<Socket> parse(String table) {
    List<Socket> sockets = new ArrayList<>();
    String[] lines = table.split("\n");
    for (int i = 1; i < lines.length; i++) {
      // Only LISTEN rows are split: a busy host has thousands of others (2,841 rows in tcp6 here
      // took this look 200 ms in premain). " 0A " is the state column alone: the other columns
      // are hex joined by ':' or decimal.
      if (!lines[i].contains(" 0A ")) {
        continue;
      }
      String[] f = lines[i].trim().split("\\s+");
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      if (f.length < 10 || !f[3].equals("0A")) {
        continue;
      }
      int colon = f[1].indexOf(':');
      byte[] address = address(f[1].substring(0, colon));
      int port = Integer.parseInt(f[1].substring(colon + 1), 16);
      sockets.add(new Socket(address, port, Long.parseLong(f[7]), Long.parseLong(f[9])));
    }
    return sockets;
  }

  /** The kernel prints each 32-bit word of the address in host byte order (little-endian here). */
  private static byte[] address(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int word = 0; word < out.length / 4; word++) {
      for (int b = 0; b < 4; b++) {
        int at = word * 8 + (3 - b) * 2;
        out[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    return out;
  }

  private static Set<Long> socketInodes() throws IOException {
    Set<Long> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    return inodes;
  }
}
