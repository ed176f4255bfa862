package dev.confine.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.confine.Confinement;
import dev.confine.ConfinementPolicy;
import dev.confine.ConfinementReport;
import dev.confine.ServiceNotifier;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HttpServer binds a privileged port as root, confines itself into a jail made for it,
 * then serves the static files under the jail's {@code /www} at {@code /files/...}, and answers
 * any other path with the uids, gids and groups it now holds (real, effective, saved) and what
 * "/" holds.
 *
 * <p>A request for a file outside {@code /www} ({@code /files/../../etc/passwd},
 * {@code /files/%2e%2e/...}, {@code /files/..%2f...}) gets 404: the path is normalised and must
 * stay under {@code /www}, and no symbolic link is followed. The chroot is the second wall: even
 * a bug here cannot reach a file outside the jail.
 *
 * <pre>
 * java -jar confine-examples/target/confine-examples.jar [--port 80] [--root /run/confine-example/jail]
 *      [--user 65534] [--group 65534] [--bind 127.0.0.1] [--seconds N]
 * </pre>
 */
public final class HttpServerExample {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServerExample.class);
  /** Where the static files live, as the confined process names it. */
  static final Path WWW = Path.of("/www");
  private static final String FILES = "/files/";

  private HttpServerExample() {}

  /** The confinement this server applies: its own test covers it without root (see the tests). */
  public static ConfinementPolicy policy(Path jail, long uid, long gid) {
    return Confinement.builder().root(jail).user(uid).group(gid).build();
  }

  public static void main(String[] args) throws Exception {
    ExampleOptions options = ExampleOptions.parseOrExit("HttpServerExample", 80, Path.of("/run/confine-example/jail"), args);
    Path jail = prepareJail(options.root);

    // Everything that needs root or files outside the jail happens before apply().
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.bind), options.port), 64);
    server.createContext("/", exchange -> answerIds(exchange, jail, options.confine));
    server.createContext(FILES, HttpServerExample::answerFile);
    ExecutorService workers = Executors.newFixedThreadPool(4);
    server.setExecutor(workers);

    Optional<ServiceNotifier> notifier = Optional.empty();
    if (options.confine) {
      ConfinementReport report = policy(jail, options.uid, options.gid).apply();
      LOG.info("confinement report:\n{}", report);
      notifier = report.serviceNotifier(); // present under a Type=notify unit: NOTIFY_SOCKET was set
    } else {
      LOG.warn("--no-confine: serving as root, not confined (a control run)");
    }

    server.start();
    // A Type=notify unit counts as started from here: the port listens and the dispatcher answers.
    notifier.ifPresent(HttpServerExample::started);
    System.out.println("LISTENING http://" + options.bind + ":" + server.getAddress().getPort() + "/");
    System.out.flush();
    Runs.runFor(options.seconds, () -> {
      server.stop(0);
      workers.shutdownNow();
    });
  }

  /**
   * Tells systemd READY=1 and, under WatchdogSec=, keeps telling it WATCHDOG=1 at half the interval
   * (sd_watchdog_enabled(3)'s advice), from a daemon thread started after confinement.
   */
  private static void started(ServiceNotifier notifier) {
    notifier.ready();
    notifier.watchdogInterval().ifPresent(interval -> {
      ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "systemd-watchdog");
        thread.setDaemon(true);
        return thread;
      });
      long half = Math.max(1, interval.toNanos() / 2);
      watchdog.scheduleAtFixedRate(() -> {
        try {
          notifier.watchdog();
        } catch (RuntimeException e) {
          // The schedule ends here; systemd then ends the service when WatchdogSec= runs out.
          LOG.error("systemd's watchdog could not be told; the service will be ended as hung: {}", e.getMessage());
          throw e;
        }
      }, half, half, TimeUnit.NANOSECONDS);
      LOG.info("systemd watchdog: WATCHDOG=1 every {} ms", TimeUnit.NANOSECONDS.toMillis(half));
    });
  }

  private static void answerIds(HttpExchange exchange, Path jail, boolean confined) throws IOException {
    String body = Runs.identityPage(jail, confined, "path", exchange.getRequestURI().getPath());
    send(exchange, 200, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private static void answerFile(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (!method.equals("GET") && !method.equals("HEAD")) {
      send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    // getPath() is the decoded path: %2e%2e and %2f arrive here as ".." and "/".
    Optional<Path> file = resolve(exchange.getRequestURI().getPath());
    if (file.isEmpty()) {
      LOG.info("404 {}", exchange.getRequestURI().getRawPath());
      send(exchange, 404, "text/plain; charset=utf-8", "not found\n".getBytes(StandardCharsets.UTF_8));
      return;
    }
    send(exchange, 200, contentType(file.get()), Files.readAllBytes(file.get()));
  }

  /**
   * The regular file under {@link #WWW} a decoded request path names, or empty: the path must
   * stay under /www once normalised, and it must not pass through a symbolic link.
   */
  static Optional<Path> resolve(String decodedPath) {
    if (decodedPath == null || !decodedPath.startsWith(FILES) || decodedPath.indexOf('\0') >= 0 || decodedPath.indexOf('\\') >= 0) {
      return Optional.empty();
    }
    String relative = decodedPath.substring(FILES.length());
    Path candidate;
    try {
      candidate = WWW.resolve(relative).normalize();
    } catch (InvalidPathException e) {
      return Optional.empty();
    }
    if (!candidate.startsWith(WWW) || candidate.equals(WWW)) {
      return Optional.empty();
    }
    try {
      if (!Files.isRegularFile(candidate, LinkOption.NOFOLLOW_LINKS) || !candidate.toRealPath().equals(candidate)) {
        return Optional.empty();
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.of(candidate);
  }

  private static String contentType(Path file) {
    String name = file.getFileName().toString();
    if (name.endsWith(".html")) {
      return "text/html; charset=utf-8";
    }
    if (name.endsWith(".css")) {
      return "text/css; charset=utf-8";
    }
    return "text/plain; charset=utf-8";
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      if (!head) {
        out.write(body);
      }
    }
  }

  /** A root-owned 0755 jail with the static files in /www, made if missing. */
  static Path prepareJail(Path root) throws IOException {
    Runs.jail(root);
    Runs.file(root.resolve("hello.txt"), "this file lives in the jail\n");
    Runs.file(
        root.resolve("www/index.html"),
        "<!doctype html>\n<title>confined</title>\n<p>Served from /www inside the jail by a process that is no longer root.</p>\n");
    Runs.file(root.resolve("www/hello.txt"), "hello from inside the jail\n");
    return root;
  }
}
