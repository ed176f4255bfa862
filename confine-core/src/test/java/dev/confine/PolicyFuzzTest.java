package dev.confine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The builder under random input: a bounded number of random setter sequences, from a fixed seed
 * (printed; -Dconfine.fuzz.seed=N replays another). A setter may only throw NPE, IAE or ISE; a
 * refused setter leaves the builder as it was; every policy built satisfies the invariants.
 */
class PolicyFuzzTest {
  private static final int SEQUENCES = 3000;
  private static final int MAX_OPS = 12;

  private static final String[] PIECES = {"", "/", "//", ".", "..", "srv", "jail", "a b", "\0", ":", "\n", "é", "root", "nobody", "x".repeat(70)};
  private static final long[] IDS = {0, 1, -1, 65534, 65535, ConfinementPolicy.MAX_ID, ConfinementPolicy.MAX_ID + 1, 1L << 32, Long.MIN_VALUE, Long.MAX_VALUE, 1000};

  @Test
  void randomInputOnlyEverGivesCallerErrorsAndValidPolicies() {
    long seed = Long.getLong("confine.fuzz.seed", 20261123L);
    System.out.println("PolicyFuzzTest seed " + seed + " (" + SEQUENCES + " sequences of up to " + MAX_OPS + " calls)");
    Random random = new Random(seed);
    int built = 0, refused = 0;
    for (int sequence = 0; sequence < SEQUENCES; sequence++) {
      ConfinementPolicy.Builder builder = Confinement.builder();
      StringBuilder trace = new StringBuilder("seed " + seed + ", sequence " + sequence + ":");
      for (int op = random.nextInt(MAX_OPS) + 1; op > 0; op--) {
        Optional<ConfinementPolicy> before = tryBuild(builder);
        String call = randomCall(builder, random);
        trace.append(' ').append(call);
        try {
          invoke(builder, call, random);
        } catch (NullPointerException | IllegalArgumentException | IllegalStateException e) {
          refused++;
          assertTrue(e.getMessage() != null && !e.getMessage().isEmpty(), "an error names what is wrong: " + trace);
          assertEquals(before, tryBuild(builder), "a refused call changed the builder: " + trace);
        } catch (Throwable t) {
          fail("unexpected " + t + " after " + trace, t);
        }
      }
      Optional<ConfinementPolicy> policy = tryBuild(builder);
      if (policy.isPresent()) {
        built++;
        checkInvariants(policy.get(), trace.toString());
      }
    }
    System.out.println("PolicyFuzzTest: " + built + " policies built, " + refused + " calls refused");
    assertTrue(built > SEQUENCES / 20 && refused > SEQUENCES, "the generator reaches both sides: " + built + " built, " + refused + " refused");
  }

  // The call is chosen first (recorded in the trace), its argument drawn when invoked.
  private static String randomCall(ConfinementPolicy.Builder builder, Random random) {
    return List.of("rootPath", "rootString", "userId", "userName", "group", "groups", "syslog", "umask", "failureMode")
        .get(random.nextInt(9));
  }

  private static String randomPath(Random random) {
    if (random.nextInt(10) == 0) {
      return null;
    }
    StringBuilder path = new StringBuilder(random.nextBoolean() ? "/" : "");
    for (int i = random.nextInt(4); i >= 0; i--) {
      path.append(PIECES[random.nextInt(PIECES.length)]);
      if (random.nextBoolean()) {
        path.append('/');
      }
    }
    return path.toString();
  }

  private static long randomId(Random random) {
    return random.nextInt(3) == 0 ? random.nextLong() : IDS[random.nextInt(IDS.length)] + random.nextInt(3) - 1;
  }

  private static void invoke(ConfinementPolicy.Builder builder, String call, Random random) {
    switch (call) {
      case "rootPath": {
        String text = randomPath(random);
        Path path;
        try {
          path = text == null ? null : Path.of(text);
        } catch (java.nio.file.InvalidPathException e) {
          // Path.of itself refuses NUL bytes: that is the JDK, not the builder
          return;
        }
        builder.root(path);
        return;
      }
      case "rootString": builder.root(randomPath(random)); return;
      case "userId": builder.user(randomId(random)); return;
      case "userName": builder.user(random.nextInt(10) == 0 ? null : PIECES[random.nextInt(PIECES.length)] + PIECES[random.nextInt(PIECES.length)]); return;
      case "group": builder.group(randomId(random)); return;
      case "groups": {
        long[] gids = new long[random.nextInt(5)];
        for (int i = 0; i < gids.length; i++) {
          gids[i] = randomId(random);
        }
        builder.supplementaryGroups(random.nextInt(20) == 0 ? null : gids);
        return;
      }
      case "syslog": {
        SyslogFacility[] facilities = SyslogFacility.values();
        builder.openSyslogFirst(
            random.nextInt(10) == 0 ? null : PIECES[random.nextInt(PIECES.length)] + PIECES[random.nextInt(PIECES.length)],
            random.nextInt(10) == 0 ? null : facilities[random.nextInt(facilities.length)]);
        return;
      }
      case "umask": builder.umask(random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(01000)); return;
      default: {
        FailureMode[] modes = FailureMode.values();
        builder.onFailureAfterChroot(random.nextInt(10) == 0 ? null : modes[random.nextInt(modes.length)]);
      }
    }
  }

  private static Optional<ConfinementPolicy> tryBuild(ConfinementPolicy.Builder builder) {
    try {
      return Optional.of(builder.build());
    } catch (IllegalStateException e) {
      return Optional.empty();
    }
  }

  private static void checkInvariants(ConfinementPolicy p, String trace) {
    String where = trace + " -> " + p;
    Path root = p.root();
    assertTrue(root.isAbsolute() && root.getNameCount() > 0 && root.normalize().equals(root), where);
    assertTrue(root.toString().indexOf('\0') < 0, where);
    assertTrue(p.uid().isPresent() != p.userName().isPresent(), "exactly one of uid and user name: " + where);
    p.uid().ifPresent(uid -> assertTrue(uid >= 1 && uid <= ConfinementPolicy.MAX_ID, where));
    p.userName().ifPresent(name -> assertTrue(!name.isEmpty() && !name.equals("root") && name.matches("[^\0:\n]+"), where));
    p.gid().ifPresent(gid -> assertTrue(gid >= 1 && gid <= ConfinementPolicy.MAX_ID, where));
    List<Long> groups = p.supplementaryGroups();
    assertTrue(groups.size() <= ConfinementPolicy.MAX_SUPPLEMENTARY_GROUPS, where);
    assertEquals(groups.size(), new HashSet<>(groups).size(), where);
    groups.forEach(gid -> assertTrue(gid >= 1 && gid <= ConfinementPolicy.MAX_ID, where));
    p.syslogIdent().ifPresent(ident -> assertTrue(ident.length() >= 1 && ident.length() <= 64 && ident.indexOf('\0') < 0, where));
    p.umask().ifPresent(mask -> assertTrue(mask >= 0 && mask <= 0777, where));
    assertTrue(p.failureMode() != null && p.syslogFacility() != null, where);
    assertEquals(p, p.toBuilder().build(), where);
    assertEquals(p.hashCode(), p.toBuilder().build().hashCode(), where);
    List<Step> plan = p.plan();
    // The uid drop is the last step of the OpenSSH sequence; on Linux the hardening steps
    // (capset, no_new_privs, seccomp) follow it.
    Step last = plan.stream().filter(s -> s.syscall() == Syscall.SETRESUID).reduce((a, b) -> b).orElseThrow();
    assertTrue(plan.indexOf(last) > plan.indexOf(plan.stream().filter(s -> s.syscall() == Syscall.CHROOT).findFirst().orElseThrow()), where);
    assertTrue(plan.stream().anyMatch(s -> s.syscall() == Syscall.CHROOT), where);
    if (p.uid().isPresent()) {
      assertEquals(List.of(p.uid().getAsLong(), p.uid().getAsLong(), p.uid().getAsLong()), last.arguments(), where);
    }
    assertTrue(!p.toString().isEmpty());
  }
}
