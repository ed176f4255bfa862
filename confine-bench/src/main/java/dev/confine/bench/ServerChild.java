package dev.confine.bench;

import com.sun.net.httpserver.HttpServer;
import dev.confine.Confinement;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The JDK HttpServer as a daemon would run it: bind (loopback, an ephemeral port), confine with
 * the default policy unless told "plain", start, print "PORT n", answer "ok" until stdin closes.
 *
 * <p>Arguments: confined|plain root.
 */
public final class ServerChild {
  private ServerChild() {}

  public static void main(String[] args) throws Exception {
    boolean confined = args[0].equals("confined");
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
    if (confined) {
      Confinement.builder().root(Path.of(args[1])).user("nobody").build().apply();
    }
    server.start();
    System.out.println("PORT " + server.getAddress().getPort());
    System.out.flush();
    while (System.in.read() >= 0) {
      // serve until the parent closes stdin
    }
    server.stop(0);
  }
}
