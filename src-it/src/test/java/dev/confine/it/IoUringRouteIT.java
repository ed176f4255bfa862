package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SECURITY.md row 32, from the review of issue 23: an io_uring ring made as root before apply()
 * by the program that starts the JVM (a launcher, as a supervisor or wrapper might be), with the
 * host's "/" registered as fixed file 0 and root's credentials as a personality, then inherited
 * across exec. Nothing of either shows in the descriptor table. Through the library (default
 * policy) apply() must refuse before chroot; the control runs the raw sequence and lets a program
 * in the jail use the ring as 65534.
 */
class IoUringRouteIT {
  private static final String NOBODY = "65534";
  private static final Duration START = Duration.ofSeconds(90);

  /**
   * The launcher ("launch COMMAND...") and the program the confined child runs ("probe ..."): one
   * static binary, built at test time like the other ITs' C helpers, run from outside the jail and
   * copied into it as /probe.
   */
  private static final String SOURCE =
      """
        #define _GNU_SOURCE
        #include <errno.h>
        #include <fcntl.h>
        #include <linux/io_uring.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/mman.h>
        #include <sys/syscall.h>
        #include <unistd.h>

        /* IORING_OP_FIXED_FD_INSTALL (Linux 6.8): puts a fixed file back into the descriptor table.
           By number: older uapi headers lack the name. */
        #define OP_FIXED_FD_INSTALL 54

        static int ring;
        static struct io_uring_params params;
        static unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_mask;
        static struct io_uring_sqe *sqes;
        static struct io_uring_cqe *cqes;

        static const char *name(int e) { return strerrorname_np(e); }

        static int map_rings(void) {
          size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
          size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
          char *sq = mmap(0, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQ_RING);
          char *cq = mmap(0, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_CQ_RING);
          sqes = mmap(0, params.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED, ring, IORING_OFF_SQES);
          if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return -errno;
          sq_tail = (unsigned *)(sq + params.sq_off.tail);
          sq_mask = (unsigned *)(sq + params.sq_off.ring_mask);
          sq_array = (unsigned *)(sq + params.sq_off.array);
          cq_head = (unsigned *)(cq + params.cq_off.head);
          cq_mask = (unsigned *)(cq + params.cq_off.ring_mask);
          cqes = (struct io_uring_cqe *)(cq + params.cq_off.cqes);
          return 0;
        }

        /* One request, waited for: its result (a descriptor, or -errno). */
        static int submit(const struct io_uring_sqe *sqe) {
          unsigned tail = *sq_tail, i = tail & *sq_mask;
          sqes[i] = *sqe;
          sq_array[i] = i;
          __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
          if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -errno;
          unsigned head = *cq_head;
          int res = cqes[head & *cq_mask].res;
          __atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
          return res;
        }

        static int ring_open(int dirfd, const char *path, int personality) {
          struct io_uring_sqe s;
          memset(&s, 0, sizeof s);
          s.opcode = IORING_OP_OPENAT;
          s.fd = dirfd;
          s.addr = (unsigned long)path;
          s.open_flags = O_RDONLY;
          s.personality = personality;
          return submit(&s);
        }

        /* fd: a descriptor to read the first line of, or -errno. */
        static void print_read(const char *what, int fd) {
          if (fd < 0) { printf("PROBE %s %s\\n", what, name(-fd)); return; }
          char buf[256];
          ssize_t n = read(fd, buf, sizeof buf - 1);
          if (n < 0) { printf("PROBE %s read-%s\\n", what, name(errno)); close(fd); return; }
          buf[n] = 0;
          buf[strcspn(buf, "\\n")] = 0;
          printf("PROBE %s CONTENT %s\\n", what, buf);
          close(fd);
        }

        int main(int argc, char **argv) {
          setvbuf(stdout, NULL, _IONBF, 0);
          if (argc > 2 && !strcmp(argv[1], "launch")) {
            ring = syscall(__NR_io_uring_setup, 4, &params);
            if (ring < 0) { printf("PROBE launcher-failed io_uring_setup %s\\n", name(errno)); return 3; }
            int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (root < 0 || syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, &root, 1) < 0) {
              printf("PROBE launcher-failed register-files %s\\n", name(errno));
              return 3;
            }
            /* From here only the ring holds the host's "/": no descriptor table shows it. */
            close(root);
            int personality = syscall(__NR_io_uring_register, ring, IORING_REGISTER_PERSONALITY, NULL, 0);
            if (personality < 0) { printf("PROBE launcher-failed register-personality %s\\n", name(errno)); return 3; }
            /* io_uring_setup made it close-on-exec: a launcher that means the JVM to have it clears that. */
            if (fcntl(ring, F_SETFD, 0) < 0) { printf("PROBE launcher-failed fcntl %s\\n", name(errno)); return 3; }
            /* The ring's layout, for the probe to map it: io_uring has no call that reads it back. */
            char hex[2 * sizeof params + 1], number[16];
            for (size_t k = 0; k < sizeof params; k++) sprintf(hex + 2 * k, "%02x", ((unsigned char *)&params)[k]);
            setenv("RING_PARAMS", hex, 1);
            snprintf(number, sizeof number, "%d", ring);
            setenv("RING_FD", number, 1);
            snprintf(number, sizeof number, "%d", personality);
            setenv("RING_PERSONALITY", number, 1);
            printf("PROBE launcher ring %d personality %d\\n", ring, personality);
            execv(argv[2], argv + 2);
            printf("PROBE launcher-failed exec %s\\n", name(errno));
            return 3;
          }
          if (argc == 7 && !strcmp(argv[1], "probe")) {
            /* A request that never completes must not leave this process behind. */
            alarm(30);
            ring = atoi(argv[2]);
            int personality = atoi(argv[3]);
            if (strlen(argv[4]) != 2 * sizeof params) { printf("PROBE probe-params bad length\\n"); return 2; }
            for (size_t k = 0; k < sizeof params; k++) sscanf(argv[4] + 2 * k, "%2hhx", &((unsigned char *)&params)[k]);
            const char *host = argv[5], *root_only = argv[6];
            uid_t r, e, s;
            getresuid(&r, &e, &s);
            printf("PROBE probe-uids %u %u %u\\n", r, e, s);
            int fd = open(host, O_RDONLY);
            printf("PROBE plain-host-open %s\\n", fd < 0 ? name(errno) : "OPENED");
            int mapped = map_rings();
            if (mapped < 0) { printf("PROBE map-rings %s\\n", name(-mapped)); return 1; }
            struct io_uring_sqe install;
            memset(&install, 0, sizeof install);
            install.opcode = OP_FIXED_FD_INSTALL;
            install.fd = 0;
            install.flags = IOSQE_FIXED_FILE;
            int dir = submit(&install);
            printf("PROBE fixed-fd-install %s\\n", dir < 0 ? name(-dir) : "OK");
            if (dir >= 0) {
              fd = openat(dir, host + 1, O_RDONLY);
              print_read("host-read", fd < 0 ? -errno : fd);
            }
            fd = open(root_only, O_RDONLY);
            print_read("rootonly-plain", fd < 0 ? -errno : fd);
            print_read("rootonly-ring", ring_open(AT_FDCWD, root_only, 0));
            print_read("rootonly-personality", ring_open(AT_FDCWD, root_only, personality));
            return 0;
          }
          fprintf(stderr, "usage: launch COMMAND... | probe RING PERSONALITY PARAMS HOSTPATH ROOTONLY\\n");
          return 2;
        }
        """;

  private JailWithSecret scene;
  private Path jail;
  private Path secret;
  private Path launcher;
  private String hostToken;
  private String rootOnlyToken;

  @BeforeEach
  void setUp() throws Exception {
    Root.require();
    Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
    // 2: io_uring_setup fails for everyone, root included (Linux 6.6+); 1 still lets root make one.
    assumeFalse(Files.exists(disabled) && Files.readString(disabled).trim().equals("2"),
        "SKIPPED: io_uring is disabled on this kernel (/proc/sys/kernel/io_uring_disabled = 2)");
    scene = JailWithSecret.make("uring");
    jail = scene.jail;
    Path outside = scene.outside;
    hostToken = scene.token;
    secret = scene.secret;
    rootOnlyToken = "root-only-" + UUID.randomUUID();
    Path rootOnly = jail.resolve("rootonly");
    Files.writeString(rootOnly, rootOnlyToken + "\n");
    Files.setPosixFilePermissions(rootOnly, PosixFilePermissions.fromString("rw-------"));
    Path source = outside.resolve("uring.c");
    Files.writeString(source, SOURCE);
    launcher = outside.resolve("uring");
    Process gcc = new ProcessBuilder("gcc", "-static", "-O2", "-o", launcher.toString(), source.toString()).redirectErrorStream(true).start();
    String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, gcc.waitFor(), "gcc -static: " + out);
    Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path probe = jail.resolve("probe");
    Files.copy(launcher, probe);
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void tearDown() {
    if (scene != null) {
      scene.close();
    }
  }

  /** RouteChild's "uring" scenario in {@code mode}, its JVM started by the launcher, which holds the ring. */
  private ChildJvm launch(String mode) throws Exception {
    ChildJvm child =
        ChildJvm.startWrapped(
            List.of(launcher.toString(), "launch"), ChildJvm.javaHome(), List.of(), "dev.confine.it.RouteChild",
            "uring", jail.toString(), NOBODY, NOBODY, mode, secret.toString(), "/rootonly");
    String line = child.await("PROBE launcher", START);
    boolean noUring = line.equals("PROBE launcher-failed io_uring_setup ENOSYS");
    if (noUring) {
      child.close();
    }
    assumeFalse(noUring, "SKIPPED: this kernel has no io_uring (io_uring_setup: ENOSYS)");
    assertTrue(line.startsWith("PROBE launcher ring "), child.output());
    return child;
  }



  /** The descriptors of {@code pid} that are io_uring rings, as the parent sees them in /proc. */
  private static List<String> rings(long pid) throws IOException {
    List<String> found = new ArrayList<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", String.valueOf(pid), "fd"))) {
      for (Path fd : fds) {
        try {
          if (Files.readSymbolicLink(fd).toString().equals("anon_inode:[io_uring]")) {
            found.add(fd.getFileName().toString());
          }
        } catch (IOException e) {
          // closed while listed: not a ring that stays
        }
      }
    }
    return found;
  }

  @Test
  void aRingInheritedFromARootLauncherIsRefusedBeforeChrootNamingItsDescriptor() throws Exception {
    try (ChildJvm child = launch("library")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      String fd = p.get("ring-fd");
      assertTrue(fd != null && fd.matches("\\d+"), out);
      // The parent's own look: the child really holds the ring, at that number.
      assertEquals(List.of(fd), rings(child.pid()), out);
      assertEquals("ERROR fd " + fd + " is an io_uring ring made before apply()", p.get("check-io-uring-ring"), out);
      assertEquals("PreflightException(io-uring-ring)", p.get("apply"), out);
      assertTrue(p.get("apply-message").contains("fd " + fd + " is an io_uring ring made before apply()"), out);
      assertEquals("0 0 0", p.get("uids-after-refusal"), "refused before anything changed\n" + out);
      assertEquals("true", p.get("host-visible"), "refused before chroot\n" + out);
      child.exitCleanly();
    }
  }

  @Test
  void controlThroughTheRawSequenceTheRingReadsTheHostAndARootOnlyFileAsTheTarget() throws Exception {
    // Proves the refusal above is about something real: the same launch, confined without the
    // library's looks, hands a program in the jail the host's "/" and root's credentials.
    try (ChildJvm child = launch("raw")) {
      Map<String, String> p = child.awaitReady(START);
      String out = child.output();
      assertEquals("65534 65534 65534", p.get("uids"), out);
      assertEquals("exit 0", p.get("probe-exit"), out);
      assertEquals("65534 65534 65534", p.get("probe-uids"), out);
      assertEquals("ENOENT", p.get("plain-host-open"), "chrooted: the host's path is not in the jail\n" + out);
      assertEquals("EACCES", p.get("rootonly-plain"), "the target cannot open the 0600 file by itself\n" + out);
      assertEquals("EACCES", p.get("rootonly-ring"), "the ring alone works with the caller's credentials\n" + out);
      assertEquals("CONTENT " + rootOnlyToken, p.get("rootonly-personality"), "root's registered credentials open it\n" + out);
      assumeFalse(kernelBefore(6, 8) && "EINVAL".equals(p.get("fixed-fd-install")),
          "SKIPPED (the fixed-file half): IORING_OP_FIXED_FD_INSTALL needs Linux 6.8; the personality half passed");
      assertEquals("OK", p.get("fixed-fd-install"), out);
      assertEquals("CONTENT " + hostToken, p.get("host-read"), "the fixed file is the host's \"/\"\n" + out);
      child.exitCleanly();
    }
  }

  /** Whether the running kernel's version is below major.minor. */
  private static boolean kernelBefore(int major, int minor) throws IOException {
    String[] v = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim().split("[.-]");
    int got = Integer.parseInt(v[0]);
    return got < major || (got == major && Integer.parseInt(v[1]) < minor);
  }
}
