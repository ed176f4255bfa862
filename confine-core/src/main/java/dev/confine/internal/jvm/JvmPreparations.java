package dev.confine.internal.jvm;

import static java.util.Objects.requireNonNull;
import dev.confine.internal.PolicyView;

import dev.confine.JvmFacility;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.nio.channels.DatagramChannel;
import java.nio.channels.Pipe;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.text.Collator;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.time.format.TextStyle;
import java.time.zone.ZoneRulesProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The preparations confine knows, and which of them a policy asks for. Each works through public
 * JDK API only, so it keeps working where the JDK's internals change; the comments name the
 * internal class only to say why the call is needed (checked on OpenJDK 17 and Temurin 25, cold,
 * after chroot into an empty directory).
 */
public final class JvmPreparations {
  private static final List<Locale> LOCALES = List.of(Locale.ROOT, Locale.US, Locale.FRANCE, Locale.GERMANY, Locale.JAPAN);
  private static final List<String> CHARSETS =
      List.of("ISO-8859-1", "windows-1252", "Shift_JIS", "EUC-KR", "GB18030", "EUC-JP", "Big5");

  private JvmPreparations() {}

  /**
   * What apply() runs before chroot for this policy, in order: opening the jars, preloading
   * directory classes, the facilities (SECURITY first, and whenever any other is chosen), then
   * the caller's hooks.
   */
  public static List<JvmPreparation> plan(PolicyView policy) {
    List<JvmPreparation> plan = new ArrayList<>();
    if (policy.opensAllJars()) {
      plan.add(new Named("classpath-jars", ClasspathAudit::openAllJars));
    }
    if (policy.preloadsDirectoryClasses()) {
      plan.add(new Named("classpath-directories", JvmPreparations::preloadDirectories));
    }
    for (JvmFacility facility : effective(policy.jvmFacilities())) {
      plan.add(facility(facility));
    }
    for (Map.Entry<String, Runnable> hook : policy.beforeChrootHooks().entrySet()) {
      Runnable action = hook.getValue();
      plan.add(new Named(hook.getKey(), action::run));
    }
    return List.copyOf(plan);
  }

  /**
   * Runs the JVM's part of {@link #plan} now, without the caller's hooks (they run once, in
   * apply()): idempotent work that may run early, on any thread. A failure is left for apply(),
   * which runs the preparation again and reports it. Synchronized with apply()'s own run of the
   * plan (see Confiner): a warm-up on another thread is over before apply() prepares, and so
   * before its preflight looks at the descriptors (a file or directory the warm-up has open at
   * that moment would be judged as the daemon's own).
   */
  public static synchronized void warmUp(PolicyView policy) {
    Set<String> skipped = PreparationSkips.of(policy.root(), policy.jvmFacilities()).skipped().keySet();
    for (JvmPreparation preparation : plan(policy)) {
      if (policy.beforeChrootHooks().containsKey(preparation.name()) || skipped.contains(preparation.name())) {
        continue;
      }
      try {
        preparation.prepare();
      } catch (Exception | LinkageError e) {
        // apply() prepares again, and there a failure stops the confinement with its reason.
      }
    }
  }

  /** The names of {@link #plan}, each with no time: what a fake that prepares nothing reports. */
  public static Map<String, java.time.Duration> unprepared(PolicyView policy) {
    Map<String, java.time.Duration> names = new LinkedHashMap<>();
    for (JvmPreparation preparation : plan(policy)) {
      names.put(preparation.name(), java.time.Duration.ZERO);
    }
    return names;
  }

  /** The chosen facilities in run order, with SECURITY added when any other is chosen. */
  static Set<JvmFacility> effective(Set<JvmFacility> chosen) {
    EnumSet<JvmFacility> set = chosen.isEmpty() ? EnumSet.noneOf(JvmFacility.class) : EnumSet.copyOf(chosen);
    if (!set.isEmpty()) {
      set.add(JvmFacility.SECURITY);
    }
    return set;
  }

  public static JvmPreparation facility(JvmFacility facility) {
    requireNonNull(facility, "facility");
    switch (facility) {
      case SECURITY:
        return new Named(facility.preparationName(), JvmPreparations::security);
      case SECURE_RANDOM:
        return new Named(facility.preparationName(), JvmPreparations::secureRandom);
      case NETWORK:
        return new Named(facility.preparationName(), JvmPreparations::network);
      case ZIP:
        return new Named(facility.preparationName(), JvmPreparations::zip);
      case TIME_ZONES:
        return new Named(facility.preparationName(), JvmPreparations::timeZones);
      case LOGGING:
        return new Named(facility.preparationName(), JvmPreparations::logging);
      case TLS:
        return new Named(facility.preparationName(), JvmPreparations::tls);
      case MANAGEMENT:
        return new Named(facility.preparationName(), JvmPreparations::management);
      case NAME_LOOKUPS:
        return new Named(facility.preparationName(), JvmPreparations::nameLookups);
      case LOCALES:
        return new Named(facility.preparationName(), JvmPreparations::locales);
      case CHARSETS:
        return new Named(facility.preparationName(), JvmPreparations::charsets);
      default:
        throw new AssertionError(facility);
    }
  }

  private static void preloadDirectories() throws IOException {
    for (java.nio.file.Path directory : ClasspathAudit.inspect(dev.confine.internal.NativeKernel.get()).directories()) {
      ClasspathAudit.preloadClasses(directory);
    }
  }

  /**
   * java.security.Security parses conf/security/java.security in its static initialiser; the
   * providers are instantiated lazily, and the JCE reads conf/security/policy on first use.
   */
  private static void security() throws Exception {
    Security.getProviders();
    MessageDigest.getInstance("SHA-256").digest(new byte[1]);
    Cipher.getInstance("AES/GCM/NoPadding");
    Cipher.getMaxAllowedKeyLength("AES");
    Mac.getInstance("HmacSHA256");
    CertificateFactory.getInstance("X.509");
    KeyStore.getInstance(KeyStore.getDefaultType());
  }

  /**
   * NativePRNG opens /dev/random and /dev/urandom when its class initialises and keeps both
   * (FileInputStreamPool). DRBG is seeded too, so its SeedGenerator holds the /dev/random stream;
   * getInstanceStrong is resolved, not drawn from (that could block), so NativePRNGBlocking keeps
   * its descriptor as well.
   */
  private static void secureRandom() throws Exception {
    new SecureRandom().nextBytes(new byte[16]);
    SecureRandom.getInstance("DRBG").nextBytes(new byte[16]);
    SecureRandom.getInstanceStrong();
  }

  /**
   * libnet, libnio and libextnet load on first use (InetAddress, sun.nio.ch.IOUtil and Net,
   * jdk.net.LinuxSocketOptions); loaded in the jail they fail and leave "Could not initialize
   * class sun.nio.ch.Net". One of each channel kind loads all three. ProxySelector reads
   * conf/net.properties, which a client Socket.connect consults.
   */
  private static void network() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    try (ServerSocket server = new ServerSocket(0, 1, loopback);
        Socket client = new Socket()) {
      server.supportedOptions();
      client.supportedOptions();
    }
    try (ServerSocketChannel serverChannel = ServerSocketChannel.open();
        SocketChannel channel = SocketChannel.open();
        DatagramChannel datagram = DatagramChannel.open(StandardProtocolFamily.INET);
        Selector selector = Selector.open()) {
      serverChannel.bind(new InetSocketAddress(loopback, 0));
      serverChannel.supportedOptions();
      channel.supportedOptions();
      datagram.supportedOptions();
      selector.selectNow();
      Pipe pipe = Pipe.open();
      pipe.sink().close();
      pipe.source().close();
    }
    ProxySelector proxies = ProxySelector.getDefault();
    if (proxies != null) {
      proxies.select(URI.create("http://127.0.0.1/"));
      proxies.select(URI.create("socket://127.0.0.1:1"));
    }
  }

  /**
   * getaddrinfo("localhost") through the JDK's resolver: loads the NSS modules that answer it
   * (glibc dlopens those not built in) while /lib is visible. Only localhost: a name that misses
   * would send a DNS query at startup and wait on an unreachable server.
   */
  private static void nameLookups() throws IOException {
    InetAddress.getAllByName("localhost");
  }

  private static void zip() throws IOException {
    byte[] data = "confine".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
      out.write(data);
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(compressed.toByteArray()))) {
      in.readAllBytes();
    }
    new CRC32().update(data);
    new CRC32C().update(data);
    new Adler32().update(data);
  }

  /**
   * Two caches, both filled from lib/tzdb.dat: java.util.TimeZone's (ZoneInfoFile, which also
   * resolves the default zone from TZ or /etc/localtime once) and java.time's ZoneRulesProvider,
   * whose static initialiser reads the whole file. Warming one does not warm the other.
   */
  private static void timeZones() {
    TimeZone.getDefault();
    TimeZone.getTimeZone("UTC");
    ZoneRulesProvider.getAvailableZoneIds();
    ZoneId.systemDefault().getRules();
  }

  /**
   * LogManager reads conf/logging.properties (or java.util.logging.config.file) at first use and
   * makes the root handlers lazily; JDK components such as the HTTP server log through
   * System.Logger, which sits on it.
   */
  private static void logging() {
    LogManager.getLogManager();
    Logger.getLogger("").getHandlers();
    System.getLogger(JvmPreparations.class.getName()).isLoggable(System.Logger.Level.DEBUG);
  }

  /**
   * The default SSLContext reads its key and trust stores once and caches them. Certificate path
   * validation reads lib/security/blocked.certs lazily, only when a peer sends a chain that is
   * not itself an anchor, so a validation meant to fail forces it here.
   */
  private static void tls() throws Exception {
    // What is read from files: the key and trust stores (cached by the default context), the JCE
    // policy (SECURITY) and blocked.certs (below). An SSLEngine, its cipher suites and the key
    // agreements are classes from lib/modules: built at the first handshake in the jail
    // (JvmReadinessIT's TLS probe), not here.
    SSLContext.getDefault();
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init((KeyStore) null);
    forceCertPathValidation(trust.getTrustManagers());
  }

  private static void forceCertPathValidation(TrustManager[] managers) throws Exception {
    List<X509Certificate> issuers = new ArrayList<>();
    for (TrustManager manager : managers) {
      if (manager instanceof X509TrustManager) {
        issuers.addAll(Arrays.asList(((X509TrustManager) manager).getAcceptedIssuers()));
      }
    }
    if (issuers.isEmpty()) {
      return;
    }
    X509Certificate subject = issuers.get(0);
    X509Certificate anchor = issuers.get(issuers.size() - 1);
    CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(List.of(subject));
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
    parameters.setRevocationEnabled(false);
    try {
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
    } catch (CertPathValidatorException expected) {
      // Only the checkers' initialisation counts, not the outcome.
    }
  }

  /**
   * What the jail lacks is the two native libraries: libmanagement loads with the first platform
   * MXBean, libmanagement_ext with the platform's extension provider, which the operating system
   * bean comes from. Once both are in, the other beans (memory, threads, collectors) are plain
   * classes from lib/modules and native calls into those libraries: made on first use in the jail
   * (JvmReadinessIT's management probe), so they are not built here.
   */
  private static void management() {
    ManagementFactory.getOperatingSystemMXBean().getAvailableProcessors();
  }

  private static void locales() {
    ZonedDateTime sample = ZonedDateTime.ofInstant(Instant.EPOCH, ZoneId.of("UTC"));
    for (Locale locale : LOCALES) {
      DateTimeFormatter.ofLocalizedDateTime(FormatStyle.FULL).withLocale(locale).format(sample);
      sample.getDayOfWeek().getDisplayName(TextStyle.FULL, locale);
      NumberFormat.getInstance(locale).format(1234.5);
      NumberFormat.getCurrencyInstance(locale).format(1234.5);
      DecimalFormatSymbols.getInstance(locale);
      Collator.getInstance(locale).compare("a", "b");
    }
  }

  /** One extended charset instantiates the jdk.charsets provider; availableCharsets() would build them all. */
  private static void charsets() {
    for (String name : CHARSETS) {
      if (Charset.isSupported(name)) {
        Charset.forName(name).newEncoder();
      }
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private static final class Named implements JvmPreparation {
    private final String name;
    private final Action action;

    Named(String name, Action action) {
      this.name = requireNonNull(name, "name");
      this.action = requireNonNull(action, "action");
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void prepare() throws Exception {
      action.run();
    }

    @Override
    public String toString() {
      return "JvmPreparation[" + name + "]";
    }
  }
}
