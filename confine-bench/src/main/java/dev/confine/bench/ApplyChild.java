package dev.confine.bench;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import dev.confine.Phase;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A fresh JVM that confines itself once (default policy: user "nobody") and prints, one "BENCH
 * key value" line each: its thread count just before apply(), VmRSS before and after, the wall
 * time of apply() as its caller sees it, and every phase and JVM preparation of the report.
 *
 * <p>Arguments: root [train]. With "train" it confines nothing: it checks the jail and readies
 * the JVM (check() and prepareJvm(), the classes apply() loads but the sequence's) and exits, for
 * an AOT cache's training run, which writes the cache at exit (a confined JVM could not).
 *
 * <p>With -Dconfine.bench.extraThreads=N it first starts N platform threads that sleep (bench/run's
 * thread curve: what apply() costs per thread).
 */
public final class ApplyChild {
  private ApplyChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    if (args.length > 1 && args[1].equals("train")) {
      dev.confine.ConfinementPolicy policy = Confinement.builder().root(root).user("nobody").build();
      policy.check();
      policy.prepareJvm();
      System.out.println("TRAINED");
      return;
    }
    startSleepers(Integer.getInteger("confine.bench.extraThreads", 0));
    // Opened before apply(): after chroot there is no /proc, and a read at offset 0 of an open
    // /proc file regenerates it.
    try (FileChannel status = FileChannel.open(Path.of("/proc/self/status"))) {
      long rssBefore = vmRssKb(status);
      long threads;
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        threads = tasks.count();
      }
      long t0 = System.nanoTime();
      dev.confine.ConfinementPolicy.Builder builder = Confinement.builder().root(root).user("nobody");
      if (Boolean.getBoolean("confine.bench.noBaselineFilter")) {
        builder.noBaselineFilter(); // bench/run's section 1b: the baseline filter's cost
      }
      ConfinementReport report = builder.build().apply();
      long wall = System.nanoTime() - t0;
      long rssAfter = vmRssKb(status);
      System.out.println("BENCH threads " + threads);
      System.out.println("BENCH rss-before-kb " + rssBefore);
      System.out.println("BENCH rss-after-kb " + rssAfter);
      System.out.println("BENCH apply-wall-ns " + wall);
      for (Map.Entry<Phase, Duration> phase : report.phases().entrySet()) {
        System.out.println("BENCH phase." + phase.getKey() + " " + phase.getValue().toNanos());
      }
      for (Map.Entry<String, Duration> preparation : report.preparations().entrySet()) {
        System.out.println("BENCH prepare." + preparation.getKey() + " " + preparation.getValue().toNanos());
      }
      for (int i = 0; i < report.stepTimes().size(); i++) {
        System.out.println("BENCH step." + i + "." + report.steps().get(i).syscall() + " " + report.stepTimes().get(i).toNanos());
      }
      System.out.println("CONFINED uid=" + report.uid());
    }
  }

  /** N daemon threads, each parked until the JVM exits; returns once all have started. */
  private static void startSleepers(int count) throws InterruptedException {
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(count);
    for (int i = 0; i < count; i++) {
      // A small stack: 4,000 threads of the default 1 MB would reserve 4 GB of address space.
      Thread t = new Thread(null, () -> {
        started.countDown();
        while (true) {
          java.util.concurrent.locks.LockSupport.park();
        }
      }, "sleeper-" + i, 256 * 1024);
      t.setDaemon(true);
      t.start();
    }
    started.await();
  }

  static long vmRssKb(FileChannel status) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8192);
    while (status.read(buffer, buffer.position()) > 0 && buffer.hasRemaining()) {
      // a /proc file can come in several reads
    }
    for (String line : new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    throw new IllegalStateException("no VmRSS line in /proc/self/status");
  }
}
