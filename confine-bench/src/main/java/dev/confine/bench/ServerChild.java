package dev.confine.bench;

import com.sun.net.httpserver.HttpServer;
import dev.confine.Confinement;
import dev.confine.JvmFacility;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The JDK HttpServer as a daemon would run it: bind (loopback, an ephemeral port), confine,
 * start, print "PORT n", answer "ok" until stdin closes. "confined": the default policy (its JVM
 * preparations are the network-server set); "tailored": the default policy but preparing only
 * what this server needs (NETWORK, TIME_ZONES, LOGGING: no TLS, no management); "plain": no
 * confinement; "early": the default policy, but its JVM preparations start on a thread of their
 * own as main begins (what the starter and the agent do while a framework starts), so apply()
 * finds them done; "train": the default policy's check() and prepareJvm() without apply(), for an AOT
 * cache's training run (the cache is written at exit, which a confined JVM could not do).
 *
 * <p>After "PORT", "confined" prints its report's preparations ({@code PREPARED name ms}) and those
 * the jail made unnecessary ({@code SKIPPED name}), then {@code PREPARATIONS-END}.
 *
 * <p>On a line "memory" from stdin it prints {@code METASPACE used-kb committed-kb}: the "Metaspace"
 * pool of the memory MXBeans (java.management, which a confined child has loaded for its MANAGEMENT
 * preparation and a plain one loads for this reading: both figures include its classes).
 *
 * <p>Arguments: confined|tailored|early|plain|train root.
 */
public final class ServerChild {
  private ServerChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    if (!mode.equals("confined") && !mode.equals("tailored") && !mode.equals("plain") && !mode.equals("train")
        && !mode.equals("early")) {
      throw new IllegalArgumentException("mode must be confined, tailored, early, plain or train: " + mode);
    }
    dev.confine.ConfinementPolicy early = null;
    Thread warmUp = null;
    if (mode.equals("early")) {
      early = Confinement.builder().root(Path.of(args[1])).user("nobody").build();
      warmUp = new Thread(early::prepareJvm, "confine-warm-up");
      warmUp.start();
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    byte[] ok = "ok\n".getBytes(StandardCharsets.US_ASCII);
    server.createContext(
        "/",
        exchange -> {
          exchange.sendResponseHeaders(200, ok.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(ok);
          }
        });
    dev.confine.ConfinementReport report = null;
    if (mode.equals("confined")) {
      report = Confinement.builder().root(Path.of(args[1])).user("nobody").build().apply();
    } else if (mode.equals("tailored")) {
      Confinement.builder()
          .root(Path.of(args[1]))
          .user("nobody")
          .prepare(JvmFacility.NETWORK, JvmFacility.TIME_ZONES, JvmFacility.LOGGING)
          .build()
          .apply();
    } else if (mode.equals("early")) {
      warmUp.join();
      early.apply();
    } else if (mode.equals("train")) {
      dev.confine.ConfinementPolicy policy = Confinement.builder().root(Path.of(args[1])).user("nobody").build();
      policy.check();
      policy.prepareJvm();
    }
    server.start();
    System.out.println("PORT " + server.getAddress().getPort());
    System.out.flush();
    if (report != null) {
      report.preparations().forEach((name, d) -> System.out.printf("PREPARED %s %.3f%n", name, d.toNanos() / 1e6));
      report.skippedPreparations().keySet().forEach(name -> System.out.println("SKIPPED " + name));
      System.out.println("PREPARATIONS-END");
      System.out.flush();
    }
    // Serve until the parent closes stdin; a line "memory" asks for the metaspace now (the parent
    // reads VmRSS and VmHWM from /proc/PID/status itself: the jail has no /proc).
    java.io.BufferedReader commands = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.US_ASCII));
    for (String line; (line = commands.readLine()) != null; ) {
      if (line.equals("memory")) {
        System.out.println("METASPACE " + metaspaceKb());
        System.out.flush();
      }
    }
    server.stop(0);
  }

  /** The "Metaspace" pool's use and commitment, kB. */
  private static String metaspaceKb() {
    for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getName().equals("Metaspace")) {
        java.lang.management.MemoryUsage usage = pool.getUsage();
        return usage.getUsed() / 1024 + " " + usage.getCommitted() / 1024;
      }
    }
    throw new IllegalStateException("no Metaspace memory pool");
  }
}
