package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The two native bindings, jffi and FFM (java.lang.foreign, Java 22+), call by call: arguments
 * in, results and errno out. A child on the JDK 22+ of the suite's second run makes the same
 * calls through each (BindingChild; it confines nothing) and they must agree, with the errno
 * names the kernel gives. On the first run (Java 17) it is skipped, saying so: FFM needs 22.
 */
class BindingIT {
  private Path base;

  @BeforeEach
  void setUp() {
    Root.require();
    assumeTrue(ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22, "SKIPPED: the children's JDK is older than 22: no FFM binding to compare");
    base = Jails.fresh("binding");
  }

  @AfterEach
  void tearDown() {
    if (base != null) {
      Jails.remove(base);
    }
  }

  @Test
  void jffiAndFfmGiveTheSameResultsAndTheSameErrnos() throws Exception {
    Path withAcl = Files.createDirectory(base.resolve("acl"));
    Files.setPosixFilePermissions(withAcl, PosixFilePermissions.fromString("rwxr-xr-x"));
    ByteBuffer b = ByteBuffer.allocate(4 + 5 * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(2);
    b.putShort((short) 0x01).putShort((short) 7).putInt(-1);
    b.putShort((short) 0x02).putShort((short) 7).putInt(4242);
    b.putShort((short) 0x04).putShort((short) 5).putInt(-1);
    b.putShort((short) 0x10).putShort((short) 7).putInt(-1);
    b.putShort((short) 0x20).putShort((short) 5).putInt(-1);
    AttackLibC libc = AttackLibC.load();
    assertEquals(0, libc.setxattr(withAcl.toString(), "system.posix_acl_access", b.array(), b.capacity(), 0), AttackLibC.lastErrno(libc));

    // cap_setuid+ep as setcap writes it (VFS_CAP_REVISION_2 with the effective flag; permitted bit 7).
    Path capable = Files.writeString(base.resolve("capable"), "");
    byte[] capability = {1, 0, 0, 2, (byte) 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    assertEquals(0, libc.setxattr(capable.toString(), "security.capability", capability, capability.length, 0), AttackLibC.lastErrno(libc));

    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.BindingChild", withAcl.toString(), capable.toString())) {
      child.await("DONE", Duration.ofSeconds(60));
      Map<String, String> jffi = new TreeMap<>();
      Map<String, String> ffm = new TreeMap<>();
      for (String line : child.output().split("\n")) {
        if (line.startsWith("RESULT ")) {
          String[] parts = line.split(" ", 4);
          (parts[1].equals("jffi") ? jffi : ffm).put(parts[2], parts.length > 3 ? parts[3] : "");
        }
      }
      String out = child.output();
      assertEquals("jffi", jffi.remove("binding"), out);
      assertEquals("FFM (java.lang.foreign)", ffm.remove("binding"), out);
      assertEquals(jffi, ffm, "the bindings disagree:\n" + out);
      // The errno paths, named as the kernel names them:
      assertEquals("errno ENOENT", ffm.get("open-missing"), out);
      assertEquals("errno ENOTDIR", ffm.get("open-a-file"), out);
      assertEquals("errno EBADF", ffm.get("close-bad"), out);
      assertEquals("errno EBADF", ffm.get("fchdir-bad"), out);
      assertEquals("errno ENOENT", ffm.get("statat-missing"), out);
      assertEquals("errno EINVAL", ffm.get("bounding-bad"), out);
      // And values that prove the calls carried their arguments:
      assertEquals("0 0 0", ffm.get("getresuid"), out);
      assertTrue(ffm.get("getpwnam-root").startsWith("Optional[root:0:0"), out);
      assertEquals("Optional.empty", ffm.get("getpwnam-missing"), out);
      assertEquals("Optional[user::rwx,user:4242:rwx,group::r-x,mask::rwx,other::r-x]", ffm.get("acl"), out);
      assertTrue(ffm.get("open-etc").contains("parent DIRECTORY"), out);
      assertEquals("Optional[cap_setuid+ep]", ffm.get("filecaps"), out);
      assertEquals("Optional.empty", ffm.get("filecaps-none"), out);
      assertEquals("errno EBADF", ffm.get("peer-bad"), out);
      assertEquals("Optional.empty", ffm.get("peer-pipe"), "a pipe: ENOTSOCK is no peer\n" + out);
      assertEquals("[self uid 0, self uid 0]", ffm.get("peer-pair"), "both connected ends are this process\n" + out);
      assertTrue(ffm.get("thread-list").equals("threads>0 true fds-0-1-2 true caller-listed true"), out);
    }
  }
}
