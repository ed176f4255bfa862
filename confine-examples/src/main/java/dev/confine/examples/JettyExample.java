package dev.confine.examples;

import dev.confine.Confinement;
import dev.confine.ConfinementReport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jetty 12 embedded, over TLS with a self-signed key made at start (keytool, before chroot),
 * binds 8443, confines itself, and serves a page with the uid, gid, groups and root it now has.
 *
 * <pre>
 * java -cp confine-examples/target/confine-examples.jar dev.confine.examples.JettyExample
 *      [--port 8443] [--root /run/confine-example/jetty] [--seconds N] ...
 * </pre>
 *
 * <p>Before chroot, besides binding: the key store is made and read (keytool is outside the
 * jail), and Jetty is started, which builds the SSLContext (reads java.security, seeds
 * SecureRandom from /dev/urandom and keeps it open).
 */
public final class JettyExample {
  private static final Logger LOG = LoggerFactory.getLogger(JettyExample.class);

  private JettyExample() {}

  public static void main(String[] args) throws Exception {
    ExampleOptions options = ExampleOptions.parseOrExit("JettyExample", 8443, Path.of("/run/confine-example/jetty"), args);
    Path jail = Runs.jail(options.root);
    Runs.file(jail.resolve("hello.txt"), "this file lives in the Jetty example's jail\n");

    char[] password = randomPassword();
    KeyStore keys = selfSignedKeyStore(password);
    // Ready the JVM's TLS before the jail hides java.security, /dev/urandom and the providers' files.
    SSLContext.getDefault();

    QueuedThreadPool threads = new QueuedThreadPool(16, 4);
    threads.setName("jetty");
    Server server = new Server(threads);
    SslContextFactory.Server tls = new SslContextFactory.Server();
    tls.setKeyStore(keys);
    tls.setKeyStorePassword(new String(password));
    HttpConfiguration https = new HttpConfiguration();
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false); // loopback clients ask for 127.0.0.1; the certificate names it too
    https.addCustomizer(secure);
    ServerConnector connector =
        new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(https));
    connector.setHost(options.bind);
    connector.setPort(options.port);
    server.addConnector(connector);
    server.setHandler(new IdentityPage(jail, options.confine));
    server.start(); // binds the port (root) and builds the SSLContext from the key store

    if (options.confine) {
      ConfinementReport report = Confinement.builder().root(jail).user(options.uid).group(options.gid).build().apply();
      LOG.info("confinement report:\n{}", report);
    } else {
      LOG.warn("--no-confine: serving as root, not confined (a control run)");
    }

    System.out.println("LISTENING https://" + options.bind + ":" + connector.getLocalPort() + "/");
    System.out.flush();
    Runs.runFor(options.seconds, () -> {
      try {
        server.stop();
      } catch (Exception e) {
        LOG.warn("stopping Jetty: {}", e.toString());
      }
    });
  }

  /** The page: who this process is now, and what its "/" holds. */
  private static final class IdentityPage extends Handler.Abstract {
    private final Path jail;
    private final boolean confined;

    IdentityPage(Path jail, boolean confined) {
      this.jail = jail;
      this.confined = confined;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String body = Runs.identityPage(jail, confined, "path", Request.getPathInContext(request));
      response.setStatus(200);
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
      Content.Sink.write(response, true, body, callback);
      return true;
    }
  }

  /** A PKCS#12 key store with a new EC key and a certificate for localhost and 127.0.0.1. */
  static KeyStore selfSignedKeyStore(char[] password) throws IOException, InterruptedException, GeneralSecurityException {
    Path dir = Files.createTempDirectory("confine-jetty-key");
    Path file = dir.resolve("key.p12");
    try {
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      List<String> command =
          List.of(
              keytool.toString(), "-genkeypair", "-noprompt",
              "-alias", "confine-example",
              "-keyalg", "EC", "-groupname", "secp256r1",
              "-dname", "CN=localhost",
              "-ext", "SAN=dns:localhost,ip:127.0.0.1",
              "-validity", "2",
              "-storetype", "PKCS12",
              "-keystore", file.toString(),
              "-storepass:env", "CONFINE_KEY_PASSWORD");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().put("CONFINE_KEY_PASSWORD", new String(password));
      Process keytoolRun = builder.start();
      String said = new String(keytoolRun.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!keytoolRun.waitFor(60, TimeUnit.SECONDS) || keytoolRun.exitValue() != 0) {
        throw new IOException("keytool failed: " + said);
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, password);
      }
      LOG.info("made a self-signed EC key for localhost and 127.0.0.1 (valid 2 days)");
      return store;
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  private static char[] randomPassword() {
    byte[] bytes = new byte[18];
    new SecureRandom().nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
  }
}
