package dev.confine.it;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A server that knows nothing of confine, as an operator's would be: it binds a port on
 * loopback and answers "hello" and, for /file/NAME, the first line of the file NAME (an absolute
 * path, as the server named it at start; after confinement it resolves in the jail). The agent
 * ITs start it with -javaagent and nothing of confine on its class path.
 *
 * <p>Arguments: port, and optionally a number of milliseconds to sleep before binding (a server
 * that listens only after a start-up of that length, as Tomcat listens after deploying).
 */
public final class PlainServer {
  private PlainServer() {}

  public static void main(String[] args) throws Exception {
    System.out.println("MAIN started");
    if (args.length > 1) {
      Thread.sleep(Long.parseLong(args[1]));
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0])), 16);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String body;
      try {
        body = path.startsWith("/file/") ? Files.readAllLines(Path.of(path.substring(5))).get(0) : "hello";
      } catch (Exception e) {
        body = "error " + e.getClass().getSimpleName();
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    System.out.println("MAIN listening on " + args[0]);
  }
}
