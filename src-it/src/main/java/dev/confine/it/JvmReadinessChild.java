package dev.confine.it;

import com.sun.net.httpserver.HttpServer;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.Phase;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A cold child JVM that confines itself into an empty jail, with confine's default preparation
 * ("default") or none ("none"), then tries one JDK facility per line: {@code PROBE name OK detail}
 * or {@code PROBE name FAIL exception}. Nothing is touched before apply() beyond what starting
 * and confining need. The JDK HTTP server is then left running for the parent to ask
 * ({@code HTTP port}), until "exit" on stdin.
 *
 * <p>"laid-out" is the default preparation in a jail laid out by {@code confine-doctor init
 * --jvm-files}: apply() skips what the jail's copies make unnecessary ({@code SKIPPED name why},
 * {@code KEPT name why}). Without javax.net.ssl.keyStore the TLS probe checks the JDK's own trust
 * store (its anchors, from lib/security/cacerts) instead of a handshake, which needs a key.
 *
 * <p>Arguments: root uid gid default|none|laid-out expectedTimeZoneId directoryClassName.
 */
public final class JvmReadinessChild {
  private static final long PROBE_TIMEOUT_SECONDS = 20;

  private JvmReadinessChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    long uid = Long.parseLong(args[1]);
    long gid = Long.parseLong(args[2]);
    boolean prepared = !args[3].equals("none");
    String expectedZone = args[4];
    String directoryClass = args[5];
    ConfinementPolicy.Builder builder = Confinement.builder().root(root).user(uid).group(gid);
    ConfinementPolicy policy = prepared ? builder.preloadDirectoryClasses().build() : builder.prepareNothing().build();
    ConfinementReport report = policy.apply();
    System.out.println("CONFINED " + report.summary());
    for (Map.Entry<String, Duration> p : report.preparations().entrySet()) {
      System.out.printf("PREPARED %s %.1f ms%n", p.getKey(), p.getValue().toNanos() / 1e6);
    }
    report.skippedPreparations().forEach((name, why) -> System.out.println("SKIPPED " + name + " " + why));
    report.keptPreparations().forEach((name, why) -> System.out.println("KEPT " + name + " " + why));
    System.out.printf("PREPARED-TOTAL %.1f ms%n", report.phases().get(Phase.PREPARE_JVM).toNanos() / 1e6);
    report.preflight().findings().forEach(f -> System.out.println("FINDING " + f));

    probe("serversocket", JvmReadinessChild::serverSocket);
    probe("socketchannel-selector", JvmReadinessChild::socketChannel);
    probe("tls-default-context", JvmReadinessChild::tlsDefault);
    probe("timezone-default", () -> timeZone(expectedZone));
    probe("zoneid", JvmReadinessChild::zoneIds);
    probe("datetimeformatter-locale", JvmReadinessChild::locales);
    probe("charsets", JvmReadinessChild::charsets);
    probe("securerandom", JvmReadinessChild::secureRandom);
    probe("messagedigest", JvmReadinessChild::sha256);
    probe("gzip", JvmReadinessChild::gzip);
    probe("jul-logging", JvmReadinessChild::jul);
    probe("dns-localhost", () -> "localhost -> " + InetAddress.getByName("localhost").getHostAddress());
    probe("class-from-jar", () -> call("dev.confine.it.fixture.JarFixture"));
    probe("class-from-directory", () -> call(directoryClass));
    probe("management", JvmReadinessChild::management);

    HttpServer server = null;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        byte[] body = ("hello from the jail at " + Instant.now()).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      server.start();
      System.out.println("HTTP " + server.getAddress().getPort());
    } catch (Exception | LinkageError e) {
      System.out.println("HTTP FAIL " + describe(e));
    }
    ChildSide.readyThenAwaitExit();
    if (server != null) {
      server.stop(0);
    }
    System.exit(0);
  }

  private static void probe(String name, Callable<String> probe) {
    FutureTask<String> task = new FutureTask<>(probe);
    Thread thread = new Thread(task, "probe-" + name);
    thread.setDaemon(true);
    long start = System.nanoTime();
    thread.start();
    String outcome;
    try {
      outcome = "OK " + task.get(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      outcome = "FAIL " + describe(e.getCause());
    } catch (TimeoutException e) {
      outcome = "FAIL timeout after " + PROBE_TIMEOUT_SECONDS + " s";
    } catch (InterruptedException e) {
      outcome = "FAIL interrupted";
    }
    System.out.printf("PROBE %s %s [%.0f ms]%n", name, outcome.replace('\n', ' '), (System.nanoTime() - start) / 1e6);
  }

  private static String describe(Throwable t) {
    StringBuilder text = new StringBuilder(String.valueOf(t));
    Throwable cause = t.getCause();
    for (int depth = 0; cause != null && depth < 4; depth++, cause = cause.getCause()) {
      text.append(" <- ").append(cause);
    }
    return text.toString();
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError(what);
    }
  }

  private static void daemon(Runnable r) {
    Thread t = new Thread(r);
    t.setDaemon(true);
    t.start();
  }

  private static String serverSocket() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(0, 5, loopback)) {
      int port = server.getLocalPort();
      CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
        try (Socket s = new Socket(loopback, port)) {
          s.getOutputStream().write(42);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, JvmReadinessChild::daemon);
      try (Socket accepted = server.accept()) {
        int b = accepted.getInputStream().read();
        check(b == 42, "read " + b);
      }
      client.get(5, TimeUnit.SECONDS);
      return "accepted a loopback client on port " + port;
    }
  }

  private static String socketChannel() throws Exception {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocketChannel server = ServerSocketChannel.open();
        Selector selector = Selector.open()) {
      server.bind(new InetSocketAddress(loopback, 0));
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
      try (SocketChannel client = SocketChannel.open(server.getLocalAddress())) {
        client.write(ByteBuffer.wrap(new byte[] {7}));
        check(selector.select(5000) == 1, "no accept readiness");
        try (SocketChannel accepted = server.accept()) {
          ByteBuffer buffer = ByteBuffer.allocate(1);
          accepted.read(buffer);
          check(buffer.get(0) == 7, "payload");
        }
      }
      return "selector " + selector.getClass().getSimpleName();
    }
  }

  /** Both ends use SSLContext.getDefault(): key and trust store from the javax.net.ssl.* properties. */
  private static String tlsDefault() throws Exception {
    SSLContext context = SSLContext.getDefault();
    if (System.getProperty("javax.net.ssl.keyStore") == null) {
      javax.net.ssl.TrustManagerFactory trust =
          javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
      trust.init((java.security.KeyStore) null);
      int anchors = ((javax.net.ssl.X509TrustManager) trust.getTrustManagers()[0]).getAcceptedIssuers().length;
      check(anchors > 50, "the default trust store has " + anchors + " anchors");
      return "default context " + context.getProtocol() + ", the JDK's trust store with " + anchors + " anchors";
    }
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 5, loopback)) {
      int port = server.getLocalPort();
      CompletableFuture<String> client = CompletableFuture.supplyAsync(() -> {
        try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(loopback, port)) {
          SSLParameters parameters = s.getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          s.setSSLParameters(parameters);
          s.setSoTimeout(5000);
          s.startHandshake();
          s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          String reply = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
          return s.getSession().getProtocol() + " " + s.getSession().getCipherSuite() + " reply=" + reply;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, JvmReadinessChild::daemon);
      try (SSLSocket accepted = (SSLSocket) server.accept()) {
        accepted.setSoTimeout(5000);
        String line = new BufferedReader(new InputStreamReader(accepted.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        new PrintWriter(accepted.getOutputStream(), true, StandardCharsets.US_ASCII).println("pong:" + line);
      }
      String outcome = client.get(5, TimeUnit.SECONDS);
      check(outcome.endsWith("reply=pong:ping"), outcome);
      return outcome;
    }
  }

  /** Each platform MXBean a monitoring agent or a framework's metrics read, first made in the jail. */
  private static String management() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long pid = java.lang.management.ManagementFactory.getRuntimeMXBean().getPid();
    long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    int threads = java.lang.management.ManagementFactory.getThreadMXBean().getThreadCount();
    long collections = 0;
    List<java.lang.management.GarbageCollectorMXBean> collectors = java.lang.management.ManagementFactory.getGarbageCollectorMXBeans();
    for (java.lang.management.GarbageCollectorMXBean collector : collectors) {
      collections += Math.max(0, collector.getCollectionCount());
    }
    check(pid == ProcessHandle.current().pid(), "RuntimeMXBean pid " + pid);
    check(heap > 0 && threads > 0 && !collectors.isEmpty(), "heap " + heap + ", threads " + threads + ", collectors " + collectors.size());
    return "os " + os.getName() + " cpus " + os.getAvailableProcessors() + ", " + collectors.size() + " collectors, " + collections
        + " collections, " + threads + " threads";
  }

  private static String timeZone(String expected) {
    TimeZone zone = TimeZone.getDefault();
    check(zone.getID().equals(expected), "default zone " + zone.getID() + ", the parent's is " + expected);
    return zone.getID() + " raw offset " + zone.getRawOffset() / 60000 + " min";
  }

  private static String zoneIds() {
    Instant winter = Instant.parse("2024-01-15T12:00:00Z");
    Instant summer = Instant.parse("2024-07-15T12:00:00Z");
    String[][] cases = {
      {"Europe/Paris", "+01:00", "+02:00"},
      {"America/New_York", "-05:00", "-04:00"},
      {"Asia/Tokyo", "+09:00", "+09:00"},
    };
    List<String> seen = new ArrayList<>();
    for (String[] c : cases) {
      ZoneId zone = ZoneId.of(c[0]);
      String w = zone.getRules().getOffset(winter).getId();
      String s = zone.getRules().getOffset(summer).getId();
      check(w.equals(c[1]) && s.equals(c[2]), c[0] + " " + w + "/" + s);
      seen.add(c[0] + " " + w + "/" + s);
    }
    return String.join("; ", seen);
  }

  private static String locales() {
    LocalDate day = LocalDate.of(2024, 7, 14);
    String fr = DateTimeFormatter.ofPattern("EEEE d MMMM yyyy", Locale.FRANCE).format(day);
    String de = DateTimeFormatter.ofPattern("EEEE, d. MMMM yyyy", Locale.GERMANY).format(day);
    String ja = DateTimeFormatter.ofPattern("yyyy年M月d日 EEEE", Locale.JAPAN).format(day);
    check(fr.equals("dimanche 14 juillet 2024"), fr);
    check(de.equals("Sonntag, 14. Juli 2024"), de);
    check(ja.equals("2024年7月14日 日曜日"), ja);
    return fr + " | " + de;
  }

  private static String charsets() {
    String[][] cases = {
      {"ISO-8859-1", "café"}, {"windows-1252", "café €"}, {"Shift_JIS", "日本語"}, {"EUC-KR", "한국어"}, {"GB18030", "中文"},
    };
    List<String> names = new ArrayList<>();
    for (String[] c : cases) {
      Charset charset = Charset.forName(c[0]);
      check(new String(c[1].getBytes(charset), charset).equals(c[1]), c[0] + " round trip");
      names.add(charset.name());
    }
    return String.join(" ", names);
  }

  private static String secureRandom() {
    SecureRandom random = new SecureRandom();
    byte[] bytes = new byte[32];
    long start = System.nanoTime();
    random.nextBytes(bytes);
    long ms = (System.nanoTime() - start) / 1_000_000;
    check(ms < 2000, random.getAlgorithm() + " took " + ms + " ms for 32 bytes");
    check(!Arrays.equals(bytes, new byte[32]), "all zero");
    return random.getAlgorithm() + " in " + ms + " ms";
  }

  private static String sha256() throws Exception {
    String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest("abc".getBytes(StandardCharsets.US_ASCII)));
    check(hex.equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), hex);
    return "SHA-256(abc) " + hex.substring(0, 16) + "...";
  }

  private static String gzip() throws Exception {
    byte[] data = new byte[100_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i % 31);
    }
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
      out.write(data);
    }
    byte[] back;
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed.toByteArray()))) {
      back = in.readAllBytes();
    }
    check(Arrays.equals(data, back), "round trip");
    return data.length + " -> " + compressed.size() + " bytes and back";
  }

  private static String jul() {
    List<String> seen = new ArrayList<>();
    Logger logger = Logger.getLogger("dev.confine.it.readiness");
    logger.setUseParentHandlers(false);
    logger.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        seen.add(record.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
    logger.info("hello");
    int rootHandlers = Logger.getLogger("").getHandlers().length;
    check(seen.equals(List.of("hello")), "record not delivered");
    check(rootHandlers > 0, "the root logger has no handler: logging.properties was not read");
    return "delivered; root handlers " + rootHandlers;
  }

  private static String call(String className) throws Exception {
    return (String) Class.forName(className).getMethod("hello").invoke(null);
  }
}
