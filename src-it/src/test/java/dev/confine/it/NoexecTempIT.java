package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host with a noexec temporary directory (a benchmark rule): jffi copies its native stub to
 * java.io.tmpdir (falling back to the working directory) and cannot map it from there. The child
 * runs in a private mount namespace where both are a noexec tmpfs. On Java 22+ confine then binds
 * through java.lang.foreign and confines; on 17 to 21 it fails before anything is done, saying
 * how to point jffi elsewhere.
 */
class NoexecTempIT {
  private Path jail;
  private Path temp;

  @BeforeEach
  void setUp() {
    Root.require();
    jail = Jails.fresh("noexec-jail");
    temp = Jails.fresh("noexec-tmp");
  }

  @AfterEach
  void tearDown() {
    Jails.remove(jail);
    Jails.remove(temp);
  }

  @Test
  void withANoexecTemporaryDirectoryJava22ConfinesThroughFfmAndOlderJavaRefusesClearly() throws Exception {
    List<String> wrapper =
        List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount -t tmpfs -o noexec,mode=1777 tmpfs \"$0\" && cd \"$0\" && exec \"$@\"", temp.toString());
    List<String> options = List.of("-Djava.io.tmpdir=" + temp);
    try (ChildJvm child = ChildJvm.startWrapped(wrapper, ChildJvm.javaHome(), options, "dev.confine.it.ConfineChild", jail.toString(), "65534", "65534")) {
      if (ChildJvm.featureVersion(ChildJvm.javaHome()) >= 22) {
        child.await("READY", Duration.ofSeconds(60));
        String out = child.output();
        assertTrue(out.contains("note: native calls made through FFM (java.lang.foreign)"), "jffi could not load; FFM took over\n" + out);
        assertEquals(jail, ProcView.root(child.pid()), out);
        child.send("exit");
        assertEquals(0, child.waitFor(Duration.ofSeconds(30)), out);
      } else {
        int status = child.waitFor(Duration.ofSeconds(60));
        String out = child.output();
        assertNotEquals(0, status, out);
        assertTrue(out.contains("cannot bind the native calls"), out);
        assertTrue(out.contains("jffi.extract.dir") && out.contains("jffi.boot.library.path"), "the message says how to point jffi elsewhere\n" + out);
        assertFalse(out.contains("CONFINED") || out.contains("failed after chroot"), "nothing was done\n" + out);
      }
    }
    assertFalse(java.nio.file.Files.readString(Path.of("/proc/self/mountinfo")).contains(temp.toString()), "the host never saw the mount");
  }
}
