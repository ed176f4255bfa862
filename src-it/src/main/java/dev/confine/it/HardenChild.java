package dev.confine.it;

import dev.confine.Capability;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.SyslogFacility;
import dev.confine.internal.NativeKernel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM that confines itself with the hardening options, then reports what it can do, one
 * "PROBE name value" line each, and waits for "exit" on stdin.
 *
 * <p>Arguments: root uid gid, then any of: --keep (NET_BIND_SERVICE), --allow-new-privileges,
 * --deny, --churn=N (N threads creating short-lived threads during apply()), --bind=PORT (bind on
 * the calling thread and on a thread started before apply()), --exec=PATH (run a program in the
 * jail), --allow-setuid=RELATIVE, --syslog=IDENT (openSyslogFirst with LOCAL3; without it, the
 * message goes through plain syslog(3)), --message=TEXT.
 */
public final class HardenChild {
  private HardenChild() {}

  public static void main(String[] args) throws Exception {
    ConfinementPolicy.Builder builder =
        Confinement.builder().root(Path.of(args[0])).user(Long.parseLong(args[1])).group(Long.parseLong(args[2]));
    int churn = 0;
    int port = -1;
    String exec = null;
    String syslogIdent = null;
    String message = "hello from the jail";
    for (int i = 3; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--keep")) {
        builder.keepCapabilities(Capability.NET_BIND_SERVICE);
      } else if (a.equals("--allow-new-privileges")) {
        builder.allowNewPrivileges();
      } else if (a.equals("--deny")) {
        builder.denySyscalls();
      } else if (a.startsWith("--churn=")) {
        churn = Integer.parseInt(a.substring(8));
      } else if (a.startsWith("--bind=")) {
        port = Integer.parseInt(a.substring(7));
      } else if (a.startsWith("--exec=")) {
        exec = a.substring(7);
      } else if (a.startsWith("--allow-setuid=")) {
        builder.allowSetuidFiles(a.substring(15));
      } else if (a.startsWith("--syslog=")) {
        syslogIdent = a.substring(9);
      } else if (a.startsWith("--message=")) {
        message = a.substring(10);
      } else {
        throw new IllegalArgumentException(a);
      }
    }
    if (syslogIdent != null) {
      builder.openSyslogFirst(syslogIdent, SyslogFacility.LOCAL3);
    }

    // A thread that exists before apply(): the bind attempt from a "pre-existing" thread.
    SynchronousQueue<Runnable> work = new SynchronousQueue<>();
    Thread other =
        new Thread(
            () -> {
              try {
                while (true) {
                  work.take().run();
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "pre-existing");
    other.setDaemon(true);
    other.start();
    // Loaded before chroot: after it, no class the JDK has not loaded yet is guaranteed to load.
    Class.forName("java.lang.ProcessBuilder");
    Class.forName("java.lang.ProcessImpl");
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong started = new AtomicLong();
    List<Thread> churners = new ArrayList<>();
    for (int i = 0; i < churn; i++) {
      Thread t =
          new Thread(
              () -> {
                while (!stop.get()) {
                  Thread shortLived = new Thread(() -> started.incrementAndGet());
                  shortLived.start();
                  try {
                    shortLived.join();
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "churn-" + i);
      t.setDaemon(true);
      t.start();
      churners.add(t);
    }
    long before = started.get();

    ConfinementReport report = builder.build().apply();
    long during = started.get() - before;
    System.out.println("CONFINED " + report.summary());
    for (String line : report.toString().split("\n")) {
      System.out.println("REPORT " + line);
    }
    for (String line : report.verifications()) {
      System.out.println("REPORT verified " + line);
    }
    if (churn > 0) {
      Thread.sleep(300); // churn on after the drop too: new threads must come out dropped
      stop.set(true);
      for (Thread t : churners) {
        t.join(10_000);
      }
      System.out.println("PROBE churn-threads-started " + (started.get() - before) + " (during apply " + during + ")");
    }
    if (port >= 0) {
      final int p = port;
      System.out.println("PROBE bind-caller " + bind(p));
      CompletableFuture<String> fromOther = new CompletableFuture<>();
      work.put(() -> fromOther.complete(bind(p)));
      System.out.println("PROBE bind-other " + fromOther.get(30, TimeUnit.SECONDS));
    }
    if (exec != null) {
      Process process = new ProcessBuilder(exec).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      System.out.println("PROBE exec-status " + process.waitFor());
      System.out.println("PROBE exec " + out.replace('\n', ' '));
    }
    if (syslogIdent != null) {
      report.syslog().orElseThrow().warning(message);
      System.out.println("PROBE syslog-sent handle");
    } else if (!message.equals("hello from the jail")) {
      NativeKernel.get().syslog((19 << 3) | 4, message); // LOCAL3.WARNING, with no openlog before chroot
      System.out.println("PROBE syslog-sent plain");
    }
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("exit")) {
        break;
      }
    }
  }

  private static String bind(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return "OK";
    } catch (IOException e) {
      return "FAILED " + e.getMessage();
    }
  }
}
