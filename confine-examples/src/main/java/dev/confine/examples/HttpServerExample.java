package dev.confine.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import dev.confine.Credentials;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HttpServer binds a privileged port as root, confines itself into a jail made for it,
 * then answers every request with the uids, gids and groups it now holds (real, effective, saved)
 * and what "/" holds.
 *
 * <pre>
 * java -jar confine-examples/target/confine-examples.jar [--port 80] [--root /run/confine-example/jail]
 *      [--user 65534] [--group 65534] [--bind 127.0.0.1] [--seconds N]
 * </pre>
 */
public final class HttpServerExample {
  private static final Logger LOG = LoggerFactory.getLogger(HttpServerExample.class);

  private HttpServerExample() {}

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    Path jail = prepareJail(options.root);

    // Everything that needs root or files outside the jail happens before apply().
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(options.bind), options.port), 64);
    server.createContext("/", HttpServerExample::answer);
    server.setExecutor(Executors.newFixedThreadPool(4));

    ConfinementReport report =
        Confinement.builder().root(jail).user(options.uid).group(options.gid).build().apply();
    LOG.info("confinement report:\n{}", report);

    server.start();
    System.out.println("LISTENING http://" + options.bind + ":" + server.getAddress().getPort() + "/");
    System.out.flush();
    CountDownLatch forever = new CountDownLatch(1);
    if (options.seconds > 0) {
      forever.await(options.seconds, TimeUnit.SECONDS);
      server.stop(0);
      System.exit(0);
    }
    forever.await();
  }

  private static void answer(HttpExchange exchange) throws IOException {
    Credentials self = Confinement.currentCredentials();
    String[] listing = new File("/").list();
    Arrays.sort(listing);
    String body =
        "uid=" + self.uids() + "\n"
            + "gid=" + self.gids() + "\n"
            + "groups=" + self.groups() + "\n"
            + "root=" + String.join(",", listing) + "\n"
            + "etc-passwd-visible=" + Files.exists(Path.of("/etc/passwd")) + "\n"
            + "path=" + exchange.getRequestURI().getPath() + "\n";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A root-owned 0755 jail with one file in it, made if missing. */
  private static Path prepareJail(Path root) throws IOException {
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path hello = root.resolve("hello.txt");
    if (!Files.exists(hello)) {
      Files.writeString(hello, "this file lives in the jail\n");
      Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rw-r--r--"));
    }
    return root;
  }

  private static final class Options {
    int port = 80;
    Path root = Path.of("/run/confine-example/jail");
    long uid = 65534;
    long gid = 65534;
    String bind = "127.0.0.1";
    long seconds;

    static Options parse(String[] args) {
      Options o = new Options();
      for (int i = 0; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        if (value == null) {
          usage("missing value after " + args[i]);
        }
        switch (args[i]) {
          case "--port": o.port = Integer.parseInt(value); break;
          case "--root": o.root = Path.of(value); break;
          case "--user": o.uid = Long.parseLong(value); break;
          case "--group": o.gid = Long.parseLong(value); break;
          case "--bind": o.bind = value; break;
          case "--seconds": o.seconds = Long.parseLong(value); break;
          default: usage("unknown option " + args[i]);
        }
        i++;
      }
      return o;
    }

    private static void usage(String problem) {
      System.err.println(problem);
      System.err.println("usage: HttpServerExample [--port 80] [--root DIR] [--user UID] [--group GID] [--bind ADDR] [--seconds N]");
      System.exit(2);
    }
  }
}
