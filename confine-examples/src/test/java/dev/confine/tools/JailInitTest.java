package dev.confine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** init without root: its input refused before anything is made, and what it does with existing paths. */
class JailInitTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** A machine with two users, www-data (33:33) and toor (uid 0), the host's etc in the test's directory, and no parent judged. */
  private JailInit.Machine machine(JailInit.DeviceMaker mknod) throws IOException {
    Path etc = Files.createDirectories(dir.resolve("host-etc"));
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n192.0.2.1 backend\n");
    Map<String, long[]> users = Map.of("www-data", new long[] {33, 33}, "33", new long[] {33, 33}, "toor", new long[] {0, 0},
        "staff0", new long[] {50, 0});
    return new JailInit.Machine(u -> Optional.ofNullable(users.get(u)), etc, false, mknod, p -> Optional.empty());
  }

  private int init(JailInit.Machine machine, String... args) {
    return JailInit.run(Arrays.asList(args), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), machine);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private static void assertUsage(String message, String... args) {
    assertEquals(message, assertThrows(Doctor.UsageException.class, () -> JailInit.parse(Arrays.asList(args))).getMessage());
  }

  @Test
  void badArgumentsNameTheValue() {
    assertUsage("--root DIR is required", "--user", "x");
    assertUsage("--user NAME|UID is required", "--root", "/run/j");
    assertUsage("--root must be an absolute path: run/j", "--root", "run/j", "--user", "x");
    assertUsage("--root must have no \".\" or \"..\" components: /run/a/../j", "--root", "/run/a/../j", "--user", "x");
    assertUsage("--root must not be \"/\": the jail is a directory of its own", "--root", "/", "--user", "x");
    assertUsage("--root is given twice (\"/run/a\" and \"/run/b\")", "--root", "/run/a", "--root", "/run/b", "--user", "x");
    assertUsage("--group takes a number, not \"www\"", "--root", "/run/j", "--user", "x", "--group", "www");
    assertUsage("--group must not be 0: group 0 owns much of the system", "--root", "/run/j", "--user", "x", "--group", "0");
    assertUsage("unknown option \"--allow-device\" for init", "--root", "/run/j", "--user", "x", "--allow-device", "dev/null");
    assertUsage("--writable /var/data: give a subdirectory relative to the root (var/data), not an absolute path",
        "--root", "/run/j", "--user", "x", "--writable", "/var/data");
    for (String escaping : List.of("..", "../etc", "var/../../etc", "var/./data", "var//data", ".")) {
      assertUsage("--writable " + escaping + ": every component must be a name (no empty, \".\" or \"..\" one): it must stay inside the root",
          "--root", "/run/j", "--user", "x", "--writable", escaping);
    }
    assertUsage("--writable var/data/ is given twice", "--root", "/run/j", "--user", "x", "--writable", "var/data", "--writable", "var/data/");
  }

  @Test
  void flagsWhoseEntriesCollideAreRefusedBeforeAnythingIsMade() throws IOException {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError("nothing is made"); });
    Path root = dir.resolve("jail");
    assertEquals(Doctor.USAGE, init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups", "--writable", "etc"));
    assertTrue(err().startsWith("confine-doctor: --writable etc and --name-lookups collide: --name-lookups makes etc a directory 0:0 0755,"
        + " --writable etc a directory 33:33 0700"), err());
    assertEquals(Doctor.USAGE, init(machine, "--root", root.toString(), "--user", "www-data", "--dev-null", "--writable", "dev/null"));
    assertTrue(err().contains("--writable dev/null and --dev-null collide: --dev-null makes dev/null a character device 1,3 0:0 0666,"
        + " --writable dev/null a directory 33:33 0700"), err());
    assertEquals(Doctor.USAGE, init(machine, "--root", root.toString(), "--user", "www-data", "--writable", "var", "--writable", "var/data"));
    assertTrue(err().contains("--writable var/data and --writable var collide: --writable var makes var a directory 33:33 0700,"
        + " --writable var/data a directory 0:0 0755"), err());
    assertEquals(Doctor.USAGE, init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups", "--writable", "etc/hosts/x"));
    assertTrue(err().contains("--writable etc/hosts/x and --name-lookups collide"), err());
    assertFalse(Files.exists(root), "nothing was made");
  }

  @Test
  void theUserMustResolveToSomeoneElseThanRoot() throws IOException {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError("nothing is made"); });
    String root = dir.resolve("jail").toString();
    assertEquals(Doctor.USAGE, init(machine, "--root", root, "--user", "nosuch"));
    assertTrue(err().startsWith("confine-doctor: --user nosuch: no such user in the passwd database (create it, or give a uid)"), err());
    err.reset();
    assertEquals(Doctor.USAGE, init(machine, "--root", root, "--user", "64999"));
    assertTrue(err().startsWith("confine-doctor: --user 64999: uid 64999 has no passwd entry, so it has no primary group: give --group GID"), err());
    err.reset();
    assertEquals(Doctor.USAGE, init(machine, "--root", root, "--user", "toor"));
    assertTrue(err().startsWith("confine-doctor: --user toor is uid 0: confining to root keeps root"), err());
    err.reset();
    assertEquals(Doctor.USAGE, init(machine, "--root", root, "--user", "0", "--group", "5"));
    assertTrue(err().startsWith("confine-doctor: --user 0 is uid 0"), err());
    err.reset();
    assertEquals(Doctor.USAGE, init(machine, "--root", root, "--user", "staff0"));
    assertTrue(err().startsWith("confine-doctor: --user staff0: its primary group is gid 0 (root): give --group GID"), err());
    assertFalse(Files.exists(dir.resolve("jail")), "nothing was made");
    assertEquals("", out());
  }

  @Test
  void theParentsOfTheRootMustBeRootsAndWritableByNoOneElse() throws IOException {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    Doctor.UsageException e = assertThrows(Doctor.UsageException.class, () -> JailInit.judgeParents(open.resolve("jail")));
    assertTrue(e.getMessage().startsWith("--root " + open.resolve("jail") + ": every directory above the jail must be root-owned and writable by no one else"), e.getMessage());
    assertTrue(e.getMessage().contains(open + " is writable by group and others (mode 0777; chmod go-w " + open + ")"), e.getMessage());

    Path missing = dir.resolve("missing");
    e = assertThrows(Doctor.UsageException.class, () -> JailInit.judgeParents(missing.resolve("jail")));
    assertTrue(e.getMessage().contains(missing + " does not exist (init makes the jail, not its parents"), e.getMessage());

    Path link = Files.createSymbolicLink(dir.resolve("link"), open);
    e = assertThrows(Doctor.UsageException.class, () -> JailInit.judgeParents(link.resolve("jail")));
    assertTrue(e.getMessage().contains(link + " is a symbolic link"), e.getMessage());
  }

  @Test
  void theRootsOwnParentIsJudgedByRun() throws IOException {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    JailInit.Machine judging =
        new JailInit.Machine(u -> Optional.of(new long[] {33, 33}), dir, true, (p, a, b) -> { throw new AssertionError(); }, p -> Optional.empty());
    assertEquals(Doctor.USAGE, init(judging, "--root", open.resolve("jail").toString(), "--user", "www-data"));
    assertTrue(err().contains(open + " is writable by group and others"), err());
    assertFalse(Files.exists(open.resolve("jail")));
  }

  /** Modes, owners and kinds of everything under the directory, to compare before and after. */
  private Map<String, String> snapshot() throws IOException {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.collect(Collectors.toList())) {
        all.put(p.toString(), Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS).toString());
      }
    }
    return all;
  }

  @Test
  void anExistingPathThatDiffersIsReportedAndNothingChangesWithoutForce() throws IOException {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError("nothing is made"); });
    Path root = Files.createDirectory(dir.resolve("jail"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    Path data = Files.createDirectories(root.resolve("var/data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(root.resolve("var"), PosixFilePermissions.fromString("rwx--x--x"));
    Map<String, String> before = snapshot();
    assertEquals(Doctor.ERRORS_FOUND,
        init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups", "--writable", "var/data"));
    assertEquals(before, snapshot(), "nothing changed, nothing made");
    assertTrue(out().contains("changed nothing: 3 existing paths are not as the jail needs it:"), out());
    assertTrue(out().contains("  differs     " + root + ": it is "), out());
    assertTrue(out().contains(" 0700, wanted directory 0:0 0755"), out());
    assertTrue(out().contains("  differs     " + data + ": it is "), out());
    assertTrue(out().contains(" 0750, wanted directory 33:33 0700"), out());
    assertTrue(out().contains(" 0711, wanted directory 0:0 0755"), out());
    assertTrue(out().contains("--force fixes the owner and mode of what differs."), out());
    assertFalse(out().contains("made "), out());
  }

  @Test
  void aLinkInTheWayIsNeverFollowedNorFixedEvenWithForce() throws IOException {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError("nothing is made"); });
    Path root = Files.createDirectory(dir.resolve("jail"));
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.createSymbolicLink(root.resolve("etc"), outside);
    Map<String, String> before = snapshot();
    assertEquals(Doctor.ERRORS_FOUND, init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups", "--force"));
    assertEquals(before, snapshot(), "nothing changed, nothing made");
    assertEquals(List.of(), Files.list(outside).collect(Collectors.toList()), "nothing written through the link");
    assertTrue(out().contains("  in the way  " + root.resolve("etc") + ": it is a symbolic link, not the directory 0:0 0755 that --name-lookups needs"), out());
    assertTrue(out().contains("init never deletes: move or remove what is in the way yourself, then run init again."), out());
    assertFalse(out().contains("etc/hosts"), "what lies beyond the link is not looked at: " + out());
  }

  @Test
  void aHardLinkedFileIsRefusedNamingItsLinksAndNeitherItNorItsOtherNameChangesEvenWithForce() throws IOException {
    // The review's case: etc/hosts in the jail is a hard link to a 0600 file of the host; --force chmod-ed it 0644.
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError("nothing is made"); });
    Path host = Files.writeString(dir.resolve("host-secret"), "not for others\n");
    Files.setPosixFilePermissions(host, PosixFilePermissions.fromString("rw-------"));
    Path root = Files.createDirectory(dir.resolve("jail"));
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path etc = Files.createDirectory(root.resolve("etc"));
    Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path hosts = Files.createLink(etc.resolve("hosts"), host);
    Map<String, String> before = snapshot();
    assertEquals(Doctor.ERRORS_FOUND, init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups", "--force"));
    assertEquals(before, snapshot(), "nothing changed, nothing made");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(host)), "the host's file keeps its mode");
    assertTrue(out().contains("  in the way  " + hosts + ": it has 2 links (a hard link: the same file may have a name outside the jail"), out());
    assertTrue(out().contains("init never deletes: move or remove what is in the way yourself, then run init again."), out());
    // And what --force would fix right before the change is refused there too, should a link appear after the look.
    IOException e = assertThrows(IOException.class,
        () -> JailInit.setOwnerAndMode(hosts, JailInit.Item.file("etc/hosts", new byte[0], "", "--name-lookups")));
    assertTrue(e.getMessage().startsWith(hosts + " changed since it was looked at: it has 2 links"), e.getMessage());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(host)));

    // Control: the same file with one link (a copy) only differs, which --force would fix.
    Files.delete(hosts);
    Files.copy(host, hosts, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
    out.reset();
    assertEquals(Doctor.ERRORS_FOUND, init(machine, "--root", root.toString(), "--user", "www-data", "--name-lookups"));
    assertTrue(out().contains("  differs     " + hosts + ": it is "), out());
    assertFalse(out().contains("in the way"), out());
  }

  @Test
  void aFailureHalfWayRemovesWhatThisRunMade() throws IOException {
    // As root the directories are made and the device fails; without root the first chown fails. Either way: nothing stays.
    List<Path> asked = new ArrayList<>();
    JailInit.Machine machine = machine((p, major, minor) -> {
      asked.add(p);
      throw new IOException("mknod: not permitted here");
    });
    Path root = dir.resolve("jail");
    assertEquals(Doctor.CHECK_FAILED, init(machine, "--root", root.toString(), "--user", "www-data", "--dev-null"));
    assertFalse(Files.exists(root, LinkOption.NOFOLLOW_LINKS), "undone: " + err());
    assertTrue(err().contains("confine-doctor: init could not make "), err());
    assertTrue(err().contains("confine-doctor: removed " + root + " again (made by this run)"), err());
  }

  @Test
  void theNameLookupFilesAreTheHostsOrAMinimalOne() throws Exception {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError(); });
    JailInit.Request request = JailInit.parse(List.of("--root", "/run/j", "--user", "www-data", "--name-lookups"));
    Map<String, JailInit.Item> layout = JailInit.layout(request, 33, 33, machine);
    assertEquals(List.of("", "etc", "etc/nsswitch.conf", "etc/hosts", "etc/resolv.conf"), List.copyOf(layout.keySet()));
    assertEquals("127.0.0.1 localhost\n192.0.2.1 backend\n", new String(layout.get("etc/hosts").content, StandardCharsets.UTF_8));
    assertEquals(JailInit.RESOLV_FALLBACK, new String(layout.get("etc/resolv.conf").content, StandardCharsets.UTF_8), "the test host has none");
    assertTrue(new String(layout.get("etc/nsswitch.conf").content, StandardCharsets.UTF_8).endsWith("\nhosts: files dns\n"));
    for (JailInit.Item item : layout.values()) {
      assertEquals(0, item.uid);
      assertEquals(item.kind == JailInit.Kind.DIRECTORY ? 0755 : 0644, item.mode, item.relative);
    }
  }

  @Test
  void devicesAndWritableDirectoriesAreLaidOutParentsFirst() throws Exception {
    JailInit.Machine machine = machine((p, a, b) -> { throw new AssertionError(); });
    JailInit.Request request =
        JailInit.parse(List.of("--root", "/run/j", "--user", "www-data", "--dev-urandom", "--dev-null", "--writable", "var/lib/app", "--writable", "cache"));
    Map<String, JailInit.Item> layout = JailInit.layout(request, 33, 34, machine);
    assertEquals(List.of("", "dev", "dev/null", "dev/urandom", "var", "var/lib", "var/lib/app", "cache"), List.copyOf(layout.keySet()));
    assertEquals("character device 1,3 0:0 0666", layout.get("dev/null").describe());
    assertEquals("character device 1,9 0:0 0666", layout.get("dev/urandom").describe());
    assertEquals("directory 0:0 0755", layout.get("var/lib").describe());
    assertEquals("directory 33:34 0700", layout.get("var/lib/app").describe());
    assertEquals("directory 33:34 0700", layout.get("cache").describe());
  }

  @Test
  void devNumbersAreReadAsLinuxWritesThem() {
    assertEquals(1, JailInit.major(0x103));
    assertEquals(3, JailInit.minor(0x103));
    assertEquals(1, JailInit.major(0x109));
    assertEquals(9, JailInit.minor(0x109));
    long major = 0x1230ab;
    long minor = 0x456cd;
    // glibc's makedev
    long dev = ((major & 0xfff) << 8) | ((major & ~0xfffL) << 32) | (minor & 0xff) | ((minor & ~0xffL) << 12);
    assertEquals(major, JailInit.major(dev));
    assertEquals(minor, JailInit.minor(dev));
  }

  @Test
  void anEntrySwappedForALinkAfterTheLookIsRefusedWhenFixedAndNothingBeyondItChanges() throws IOException {
    // What --force meets when the entry's directory was someone else's until it was fixed: the look saw a directory
    // (or the device), the fix finds a link to a path outside the jail.
    long uid = Integer.toUnsignedLong((Integer) Files.getAttribute(dir, "unix:uid"));
    long gid = Integer.toUnsignedLong((Integer) Files.getAttribute(dir, "unix:gid"));
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path secret = Files.writeString(dir.resolve("secret"), "not for others\n");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Path jail = Files.createDirectory(dir.resolve("jail"));
    Path data = Files.createSymbolicLink(jail.resolve("data"), outside);
    Path devNull = Files.createSymbolicLink(jail.resolve("null"), secret);
    Map<String, String> before = snapshot();

    IOException e = assertThrows(IOException.class,
        () -> JailInit.setOwnerAndMode(data, JailInit.Item.directory("data", uid, gid, 0700, "--writable data")));
    assertEquals(data + " changed since it was looked at: it is a symbolic link, not the directory " + uid + ":" + gid
        + " 0700 that --writable data needs; left as it is, nothing followed", e.getMessage());
    e = assertThrows(IOException.class, () -> JailInit.setOwnerAndMode(devNull, JailInit.Item.device("null", 1, 3, "--dev-null")));
    assertTrue(e.getMessage().startsWith(devNull + " changed since it was looked at: it is a symbolic link, not the character device 1,3"),
        e.getMessage());
    assertEquals(before, snapshot(), "neither the links nor what they point to changed");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));

    // What is still the entry that was looked at is fixed as before.
    Path real = Files.createDirectory(jail.resolve("real"));
    JailInit.setOwnerAndMode(real, JailInit.Item.directory("real", uid, gid, 0710, "--writable real"));
    assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(real, LinkOption.NOFOLLOW_LINKS)));
  }

  @Test
  void aNodevMountUnderTheRootIsFound() {
    List<String> mountinfo =
        List.of(
            "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
            "27 26 0:24 / /run rw,nosuid,nodev,relatime - tmpfs tmpfs rw",
            "28 27 0:25 / /run/with\\040space rw,relatime - tmpfs tmpfs rw");
    assertEquals(Optional.of("/run"), JailInit.nodevMount(Path.of("/run/confine/jail"), mountinfo));
    assertEquals(Optional.empty(), JailInit.nodevMount(Path.of("/srv/jail"), mountinfo));
    assertEquals(Optional.empty(), JailInit.nodevMount(Path.of("/run/with space/jail"), mountinfo), "the nearer mount has no nodev");
    assertEquals(Optional.empty(), JailInit.nodevMount(Path.of("/running/jail"), mountinfo), "path components, not string prefixes");
  }

  @Test
  void jvmFilesCopiesWhatTheJvmReadsLazilyReadOnlyWithTheirDigests() throws Exception {
    Path home = dir.resolve("jdk");
    Files.createDirectories(home.resolve("lib/security"));
    Files.createDirectories(home.resolve("conf/security/policy/unlimited"));
    Files.writeString(home.resolve("lib/security/cacerts"), "anchors");
    Files.writeString(home.resolve("lib/tzdb.dat"), "zones");
    Files.writeString(home.resolve("conf/security/java.security"), "securerandom.source=file:/dev/random\n");
    Files.writeString(home.resolve("conf/security/policy/unlimited/default_local.policy"), "grant {};\n");
    Files.writeString(home.resolve("conf/sound.properties"), "not read by any preparation");
    JailInit.Request request =
        JailInit.parse(List.of("--root", dir.resolve("jail").toString(), "--user", "www-data", "--jvm-files", "--java-home", home.toString()));
    Map<String, JailInit.Item> layout = JailInit.layout(request, 33, 33, machine((p, a, b) -> { throw new AssertionError(); }));
    String inJail = home.toString().substring(1);
    for (String name : List.of("lib/security/cacerts", "lib/tzdb.dat", "conf/security/java.security", "conf/security/policy/unlimited/default_local.policy")) {
      JailInit.Item item = layout.get(inJail + "/" + name);
      assertTrue(item != null, name + " in " + layout.keySet());
      assertEquals("file 0:0 0444", item.describe(), name);
      assertEquals(Files.readString(home.resolve(name)), new String(item.content, StandardCharsets.UTF_8), name);
    }
    assertFalse(layout.containsKey(inJail + "/conf/sound.properties"), "only what the preparations read: " + layout.keySet());
    assertEquals("directory 0:0 0755", layout.get(inJail + "/lib/security").describe());
    String manifest = new String(layout.get(JailInit.JVM_FILES_MANIFEST).content, StandardCharsets.UTF_8);
    assertTrue(manifest.contains(JailInit.sha256("anchors".getBytes(StandardCharsets.UTF_8)) + "  " + inJail + "/lib/security/cacerts\n"), manifest);
    assertEquals(4, manifest.lines().count(), manifest);
    assertUsage("--java-home names the JDK for --jvm-files, which is not given", "--root", "/run/j", "--user", "x", "--java-home", "/opt/jdk");
    assertUsage("--java-home must be an absolute path without \".\" or \"..\", as the daemon's java.home: jdk",
        "--root", "/run/j", "--user", "x", "--jvm-files", "--java-home", "jdk");
  }
}
