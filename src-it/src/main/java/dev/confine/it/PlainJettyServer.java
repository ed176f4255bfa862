package dev.confine.it;

import java.io.File;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * An embedded Jetty 12 server that knows nothing of confine (FrameworksIT starts it under the
 * agent): GET /hello (JSON), POST /echo (the JSON body back, with "echoed"), GET /late (a class of
 * jetty-server that nothing loaded before). {@code PlainJettyServer PORT}, on 127.0.0.1.
 */
public final class PlainJettyServer {
  private PlainJettyServer() {}

  public static void main(String[] args) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(Integer.parseInt(args[0]));
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        String body;
        String type = "application/json";
        switch (path) {
          case "/hello":
            body = "{\"message\":\"hello\",\"etcPasswdVisible\":" + new File("/etc/passwd").exists() + "}";
            break;
          case "/echo":
            String in = Content.Source.asString(request, StandardCharsets.UTF_8).trim();
            body = in.substring(0, in.lastIndexOf('}')) + ",\"echoed\":true}";
            break;
          case "/late":
            body = Class.forName("org.eclipse.jetty.server.handler.gzip.GzipHandler").getName();
            type = "text/plain";
            break;
          default:
            Response.writeError(request, response, callback, 404);
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        Content.Sink.write(response, true, body, callback);
        return true;
      }
    });
    server.start();
    System.out.println("MAIN started");
    server.join();
  }
}
