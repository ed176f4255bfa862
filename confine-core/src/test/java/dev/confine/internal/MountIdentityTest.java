package dev.confine.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.confine.Confinement;
import dev.confine.ConfinementException;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Finding;
import dev.confine.PreflightException;
import dev.confine.PreflightReport;
import dev.confine.Severity;
import dev.confine.Syscall;
import dev.confine.SyscallException;
import dev.confine.internal.linux.Errno;
import dev.confine.testing.simulation.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Route 4 of the review (issue 23): the jail is a bind mount of another directory, and the daemon
 * keeps a descriptor of a directory in the bind's source. Device and inode are the same on both
 * sides of a bind mount, so a walk of ".." that compared only those met "the root" in the source
 * and called the directory inside; after chroot, openat(fd, "../../..") climbed the source's tree
 * to the host. Inside now means the same mount too. Each test has its control: the same scene
 * with a directory reached through the jail's own mount.
 */
class MountIdentityTest {
  private static final long UID = 65534;

  /** /srv/jail is a bind mount of /srv/src (nodev,nosuid, as a jail's mount should be). */
  private static Simulation boundJail() {
    return new Simulation()
        .directory("/srv/src")
        .directory("/srv/src/www")
        .directory("/srv/jail")
        .directory("/etc")
        .user("nobody", UID, UID)
        .bindMount("/srv/src", "/srv/jail", "rw", "nosuid", "nodev");
  }

  private static ConfinementPolicy.Builder builder() {
    return Confinement.builder().root("/srv/jail").user("nobody");
  }

  /** A confiner over {@code kernel} (the simulated one, or a decorator of it) that records halts. */
  private static final class Run {
    final AtomicInteger halted = new AtomicInteger(-1);
    final Confiner confiner;

    Run(Kernel kernel) {
      confiner =
          new Confiner(() -> kernel, new ApplyGuard(), halted::set, NanoClock.SYSTEM, (p, c) -> Map.of(),
              new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), summary -> {});
    }
  }

  private static List<Finding> openDirectoryErrors(PreflightReport report) {
    return report.errors().stream().filter(f -> f.code().equals("open-directory-fd")).collect(Collectors.toList());
  }

  @Test
  void theSceneIsTheRouteTheBindShowsTheSourcesDeviceAndInodeOnAnotherMount() throws Exception {
    Simulation kernel = boundJail();
    FileStatus source = kernel.model().lstat("/srv/src/www").orElseThrow();
    FileStatus jail = kernel.model().lstat("/srv/jail/www").orElseThrow();
    assertEquals(source.device, jail.device);
    assertEquals(source.inode, jail.inode);
    assertFalse(source.sameFileAndMountAs(jail), source + " / " + jail);
    assertTrue(jail.sameFileAndMountAs(kernel.model().lstat("/srv/jail/www").orElseThrow()));
  }

  @Test
  void anAllowedDirectoryInTheBindSourceIsOutsideTheRootForPreflight() {
    for (String kept : List.of("/srv/src", "/srv/src/www")) {
      Simulation kernel = boundJail();
      int fd = kernel.leakDirectoryDescriptor(kept);
      ConfinementPolicy policy = builder().allowOpenDirectory(fd).build();
      List<Finding> errors = openDirectoryErrors(kernel.check(policy));
      assertEquals(1, errors.size(), kept + ": " + kernel.check(policy));
      String message = errors.get(0).message();
      assertTrue(message.contains("fd " + fd + " is an open directory (" + kept + ") outside the new root"), message);
      assertTrue(message.contains("met the root's device and inode on another mount"), message);
      assertTrue(message.contains("allowOpenDirectory(" + fd + ") does not cover a directory outside the root"), message);

      PreflightException e = assertThrows(PreflightException.class, () -> kernel.apply(policy), kept);
      assertTrue(e.report().has("open-directory-fd"), e.getMessage());
      assertEquals("/", kernel.model().root(), "refused before chroot");
      assertTrue(kernel.model().uids().allEqual(0));
    }
  }

  @Test
  void controlAnAllowedDirectoryReachedThroughTheJailsOwnMountIsInside() {
    Simulation kernel = boundJail();
    int fd = kernel.leakDirectoryDescriptor("/srv/jail/www");
    ConfinementPolicy policy = builder().allowOpenDirectory(fd).build();
    PreflightReport report = kernel.check(policy);
    assertTrue(report.errors().isEmpty(), report.toString());
    assertTrue(
        report.bySeverity(Severity.INFO).stream().anyMatch(f -> f.code().equals("open-directory-fd") && f.message().contains("inside the new root")),
        report.toString());
    ConfinementReport confined = kernel.apply(policy);
    assertTrue(confined.verifications().stream().anyMatch(v -> v.contains("1 directories, each inside the new root")), confined.verifications().toString());
  }

  @Test
  void aDirectoryOfTheBindSourceOpenedAfterTheLastLookHaltsTheProcessAfterTheDrop() {
    Simulation kernel = boundJail();
    Kernel racing = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        kernel.otherThreadOpensDirectory("/srv/src/www"); // between the last look and chroot
        delegate.chroot(path);
      }
    }.kernel();
    Run run = new Run(racing);
    ConfinementException e = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(71, run.halted.get());
    assertTrue(e.getMessage().contains("a directory outside the new root is still open"), e.getMessage());
    assertTrue(e.getMessage().contains("met the root's device and inode on another mount"), e.getMessage());
  }

  @Test
  void controlTheSameDirectoryOpenedThroughTheJailAfterChrootIsFine() {
    Simulation kernel = boundJail();
    Kernel serving = new ForwardingKernel(kernel.model()) {
      public void chroot(String path) throws ErrnoException {
        delegate.chroot(path);
        kernel.otherThreadOpensDirectory("/srv/jail/www");
      }
    }.kernel();
    Run run = new Run(serving);
    ConfinementReport report = run.confiner.apply(Internal.get().viewOf(builder().build()));
    assertEquals(-1, run.halted.get());
    assertTrue(report.verifications().stream().anyMatch(v -> v.contains("1 directories, each inside the new root")), report.verifications().toString());
  }

  @Test
  void theVerifierCallsTheBindSourceOutsideWhereDeviceAndInodeAgree() throws Exception {
    Simulation kernel = boundJail();
    int source = kernel.leakDirectoryDescriptor("/srv/src");
    int jail = kernel.leakDirectoryDescriptor("/srv/jail");
    FileStatus root = kernel.model().fstat(jail);
    assertTrue(DirectoryDescriptors.outside(kernel.model(), jail, root).isEmpty());
    String why = DirectoryDescriptors.outside(kernel.model(), source, root).orElseThrow();
    assertTrue(why.contains("level(s) to the top") && why.contains("root (device 1, inode " + root.inode + ", mount 22)") && why.contains("on another mount (mount 21)"), why);
  }

  @Test
  void aThreadRootedInTheBindSourceIsCaughtByTheThreadViews() {
    Simulation kernel = boundJail();
    long tid = kernel.threadWithOwnFileSystemView("in-source", "/srv/src");
    ConfinementException e = assertThrows(ConfinementException.class, () -> kernel.apply(builder().build()));
    assertTrue(e.pastPointOfNoReturn());
    assertEquals(71, kernel.haltStatus().getAsInt());
    assertTrue(e.getMessage().contains("thread " + tid + " \"in-source\": root is"), e.getMessage());
    assertTrue(e.getMessage().contains("the same directory on another mount"), e.getMessage());
    assertTrue(e.getMessage().contains("thread " + tid + " \"in-source\": cwd is"), e.getMessage());
  }

  @Test
  void controlAThreadRootedInTheJailItselfPasses() {
    Simulation kernel = boundJail();
    kernel.threadWithOwnFileSystemView("in-jail", "/srv/jail");
    ConfinementReport report = kernel.apply(builder().build());
    assertTrue(report.verifications().stream().anyMatch(v -> v.startsWith("4 threads: root and cwd")), report.verifications().toString());
  }

  @Test
  void theThreadViewsCompareTheMountDirectly() throws Exception {
    Simulation kernel = boundJail();
    long tid = kernel.threadWithOwnFileSystemView("in-source", "/srv/src");
    kernel.model().chroot("/srv/jail");
    kernel.model().chdir("/");
    int threads = kernel.model().openThreadList();
    FileStatus root = kernel.model().lstat("/").orElseThrow();
    dev.confine.VerificationException e =
        assertThrows(dev.confine.VerificationException.class, () -> Verifier.verifyThreadViews(kernel.model(), threads, root));
    assertTrue(e.getMessage().contains("thread " + tid), e.getMessage());
    assertFalse(e.getMessage().contains("thread 100 "), "the chrooted threads pass: " + e.getMessage());
  }

  @Test
  void aBindMountPutOnTheRootBetweenPreflightAndOpenIsAnotherRoot() {
    // mount --bind /srv/jail /srv/jail, then a remount without nosuid: the same device and inode,
    // but not the mount preflight looked at.
    Simulation kernel = boundJail();
    Kernel remounting = new ForwardingKernel(kernel.model()) {
      public int openDirectoryNoFollow(String path) throws ErrnoException {
        if (path.equals("/srv/jail")) {
          kernel.bindMount("/srv/jail", "/srv/jail", "rw");
        }
        return delegate.openDirectoryNoFollow(path);
      }
    }.kernel();
    Run run = new Run(remounting);
    ConfinementException e = assertThrows(ConfinementException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertFalse(e.pastPointOfNoReturn());
    assertTrue(e.getMessage().contains("/srv/jail changed between preflight and open"), e.getMessage());
    assertEquals("/", kernel.model().root());
  }

  @Test
  void controlTheRootUnchangedOpensAsChecked() {
    Simulation kernel = boundJail();
    assertEquals(-1, new Run(kernel.model()).halted.get());
    ConfinementReport report = new Run(kernel.model()).confiner.apply(Internal.get().viewOf(builder().build()));
    assertTrue(report.verifications().stream().anyMatch(v -> v.contains("mount 22")), report.verifications().toString());
  }

  @Test
  void aKernelThatCannotTellTheMountIsRefusedBeforeChroot() {
    Simulation kernel = boundJail();
    Kernel old = new ForwardingKernel(kernel.model()) {
      public FileStatus statAt(int dirFd, String path) throws ErrnoException {
        // What NativeKernel says when statx leaves STATX_MNT_ID out of its mask (Linux < 5.8).
        throw new ErrnoException(Syscall.FSTAT, List.of(String.valueOf(dirFd), '"' + path + '"', "0", "STATX_MNT_ID"), Errno.EOPNOTSUPP);
      }

      public FileStatus statThreadView(int dirFd, long tid, String view) throws ErrnoException {
        return statAt(dirFd, tid + "/" + view);
      }
    }.kernel();
    Run run = new Run(old);
    SyscallException e = assertThrows(SyscallException.class, () -> run.confiner.apply(Internal.get().viewOf(builder().build())));
    assertFalse(e.pastPointOfNoReturn(), e.getMessage());
    assertTrue(e.hint().contains("STATX_MNT_ID needs Linux 5.8"), e.hint());
    assertEquals("/", kernel.model().root());
    assertEquals(-1, run.halted.get());
  }

  @Test
  void aStatusWithoutItsMountIsNeverComparedByDeviceAndInodeAlone() {
    FileStatus with = new FileStatus(FileStatus.Type.DIRECTORY, 0755, 0, 0, 1, 2, 2, OptionalLong.of(21));
    FileStatus without = new FileStatus(FileStatus.Type.DIRECTORY, 0755, 0, 0, 1, 2, 2);
    assertThrows(IllegalStateException.class, () -> with.sameFileAndMountAs(without));
    assertThrows(IllegalStateException.class, () -> without.sameFileAndMountAs(with));
    assertTrue(with.sameFileAndMountAs(new FileStatus(FileStatus.Type.DIRECTORY, 0700, 0, 0, 1, 2, 3, OptionalLong.of(21))));
    assertFalse(with.sameFileAndMountAs(new FileStatus(FileStatus.Type.DIRECTORY, 0755, 0, 0, 1, 2, 2, OptionalLong.of(22))));
  }
}
