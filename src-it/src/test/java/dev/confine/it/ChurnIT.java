package dev.confine.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 26, churn (ChurnChild): {@value #DEFAULT_RUNS} child JVMs (two at a time) each apply the
 * default policy while four Java threads start and join short-lived threads, with two native
 * threads (pthread_create through the binding) that block every signal they may. Each run is
 * judged from outside: confined (every thread uid and gid 65534, the jail as root of every
 * thread), refused (every thread root, "/"), or halted (71, or glibc's 134) before any code of
 * the daemon ran after apply(). Anything else is a half-drop: any thread with a root id, or the
 * host's root, after apply() returned, or a process that lives on after a failure. Children on
 * Java 17 only (the JDK the build runs on); -Dconfine.it.churnRuns=N for another count.
 */
class ChurnIT {
  private static final int DEFAULT_RUNS = 200;
  private static final Duration START = Duration.ofSeconds(120);
  private static final Path REPORT = Path.of("target", "churn.txt");

  @Test
  void noHalfDropInChurningRuns() throws Exception {
    Root.require();
    assumeTrue(ChildJvm.featureVersion(ChildJvm.javaHome()) == 17, "churn runs on Java 17 only (the slow part, once)");
    int runs = Integer.getInteger("confine.it.churnRuns", DEFAULT_RUNS);
    AtomicInteger confined = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger halted = new AtomicInteger();
    List<String> halfDrops = java.util.Collections.synchronizedList(new ArrayList<>());
    List<String> notes = java.util.Collections.synchronizedList(new ArrayList<>());
    long started = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      int run = i;
      all.add(pool.submit(() -> {
        String outcome = oneRun(run, notes);
        switch (outcome) {
          case "confined": confined.incrementAndGet(); break;
          case "refused": refused.incrementAndGet(); break;
          case "halted": halted.incrementAndGet(); break;
          default: halfDrops.add("run " + run + ": " + outcome); break;
        }
        return null;
      }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    String summary = runs + " runs in " + seconds + " s: " + confined + " confined, " + refused + " refused, " + halted + " halted, "
        + halfDrops.size() + " half-drops";
    List<String> lines = new ArrayList<>();
    lines.add(summary);
    lines.addAll(notes);
    lines.addAll(halfDrops);
    Files.createDirectories(REPORT.getParent());
    Files.write(REPORT, lines, StandardCharsets.UTF_8);
    System.out.println("CHURN " + summary);
    assertEquals(List.of(), halfDrops, summary);
    assertEquals(runs, confined.get() + refused.get() + halted.get(), summary);
  }

  /** One child: "confined", "refused", "halted", or what made it a half-drop. */
  private static String oneRun(int run, List<String> notes) throws Exception {
    Path jail = Jails.fresh("churn");
    try (ChildJvm child = ChildJvm.start(List.of(), "dev.confine.it.ChurnChild", jail.toString(), "4", "2")) {
      boolean ready;
      try {
        child.await("READY", START);
        ready = true;
      } catch (AssertionError ended) {
        ready = false;
      }
      if (!ready) {
        int status = child.waitFor(Duration.ofSeconds(30));
        String out = child.output();
        if (out.contains("PROBE after-apply-ran")) {
          return "ended " + status + " after the daemon's code ran: " + out;
        }
        if (status != 71 && status != 134) {
          return "ended " + status + " (neither halt nor abort): " + out;
        }
        notes.add("run " + run + " halted " + status + ": " + out.lines().filter(l -> l.startsWith("confine:")).findFirst().orElse(""));
        return "halted";
      }
      Map<String, String> p = child.probes();
      if (run == 0) {
        notes.add("run 0: " + p.get("natives") + "; short-lived threads born: " + p.get("born"));
      }
      String apply = p.getOrDefault("apply", "");
      Map<String, Map<String, String>> threads = ProcView.threads(child.pid());
      String root = ProcView.root(child.pid()).toString();
      String expectUid;
      String expectRoot;
      String outcome;
      if (apply.equals("ok")) {
        expectUid = "65534\t65534\t65534\t65534";
        expectRoot = jail.toString();
        outcome = "confined";
      } else if (apply.contains("past=false")) {
        expectUid = "0\t0\t0\t0";
        expectRoot = "/";
        outcome = "refused";
        notes.add("run " + run + " refused: " + apply);
      } else {
        return "apply() handed back " + apply;
      }
      if (!root.equals(expectRoot)) {
        return outcome + " but root " + root;
      }
      for (Map.Entry<String, Map<String, String>> t : threads.entrySet()) {
        String name = t.getValue().get("Name");
        if (!expectUid.equals(t.getValue().get("Uid")) || !expectUid.equals(t.getValue().get("Gid"))) {
          return outcome + " but thread " + t.getKey() + " (" + name + ") Uid " + t.getValue().get("Uid") + " Gid " + t.getValue().get("Gid");
        }
        String taskRoot;
        try {
          taskRoot = Files.readSymbolicLink(Path.of("/proc", String.valueOf(child.pid()), "task", t.getKey(), "root")).toString();
        } catch (java.nio.file.NoSuchFileException gone) {
          continue; // a native thread whose pause() the setxid signal ended
        }
        if (!taskRoot.equals(expectRoot)) {
          return outcome + " but thread " + t.getKey() + " (" + name + ") root " + taskRoot;
        }
      }
      child.exitCleanly();
      return outcome;
    } finally {
      Jails.remove(jail);
    }
  }
}
