package dev.confine;

/**
 * A part of the JDK that initialises lazily from files under {@code java.home}, {@code /dev} or
 * {@code /etc}, or loads a native library on first use, and so breaks inside an empty jail unless
 * it was readied before chroot. {@link ConfinementPolicy.Builder#prepare(JvmFacility, JvmFacility...)} chooses
 * which ones {@code apply()} readies; each one's time is in {@link ConfinementReport#preparations()}
 * under its {@link #preparationName()}.
 *
 * <p>A failed static initialiser poisons its class for the rest of the JVM's life, so a facility
 * first touched inside the jail does not recover when touched again. Readying one that the
 * application already initialised costs little (the JDK caches the result): about a millisecond.
 *
 * <p>A jail that holds copies of the files a facility reads ({@code confine-doctor init
 * --jvm-files}; {@link JailJvmFiles}) makes its preparation unnecessary: apply() then skips it and
 * says so in {@link ConfinementReport#skippedPreparations()}.
 */
public enum JvmFacility {
  /**
   * The security configuration ({@code conf/security/java.security}), the provider list and the
   * JCE policy files. The foundation of most others: without it InetAddress, ServerSocket (on
   * Java 25), java.util.logging and MessageDigest fail in the jail. Prepared whenever any other
   * facility is.
   */
  SECURITY("security"),
  /**
   * SecureRandom: NativePRNG opens /dev/random and /dev/urandom once and keeps the descriptors,
   * so it keeps reading the kernel's pool in a jail without /dev. Built in the jail instead, the
   * default silently becomes DRBG seeded from thread timing, whose first draw took about 8 s.
   */
  SECURE_RANDOM("securerandom"),
  /** Sockets, NIO channels and selectors: libnet, libnio and libextnet, and conf/net.properties. */
  NETWORK("net"),
  /** Inflater, Deflater, CRC32: libzip (already loaded when the application runs from jars). */
  ZIP("zip"),
  /** lib/tzdb.dat, read separately by java.util.TimeZone and by java.time's ZoneRulesProvider. */
  TIME_ZONES("timezones"),
  /** java.util.logging: conf/logging.properties and the root handlers; System.Logger sits on it. */
  LOGGING("logging"),
  /**
   * The default SSLContext with its key and trust stores ({@code javax.net.ssl.*} or
   * lib/security/cacerts), the default TrustManagerFactory, and lib/security/blocked.certs.
   * Contexts made later with {@code init(km, null, null)} get no trusted certificates in the jail:
   * build TrustManagers before chroot or use {@code SSLContext.getDefault()}.
   */
  TLS("tls"),
  /** The platform MXBeans (libmanagement). Values read from /proc on each call stay unavailable. */
  MANAGEMENT("management"),
  /**
   * Host name lookups after chroot. glibc reads /etc/nsswitch.conf, /etc/hosts and
   * /etc/resolv.conf by path at each lookup, so they must be in the jail: preflight reports each
   * one missing there ({@code name-lookup-file-missing}, WARNING). The preparation resolves
   * "localhost" through the system resolver, so the JDK's resolver and the NSS modules it needs
   * are loaded while /lib is still visible. Not in the default set: a server that only accepts
   * connections looks up no name. (Or resolve the names before apply() and run with
   * {@code -Dnetworkaddress.cache.ttl=-1}: the JDK then answers from its cache.)
   */
  NAME_LOOKUPS("names"),
  /**
   * Date, number, currency and collation formatting for a sample of locales. Not in the default
   * set: locale data lives in lib/modules, which stays open, and works in the jail unprepared.
   */
  LOCALES("locales"),
  /**
   * The extended charsets (Shift_JIS, EUC-KR, GB18030, windows-125x) of jdk.charsets. Not in the
   * default set: they come from lib/modules too and work in the jail unprepared.
   */
  CHARSETS("charsets");

  /**
   * The default: what a network server needs. SECURITY, SECURE_RANDOM, NETWORK, ZIP, TIME_ZONES,
   * LOGGING, TLS and MANAGEMENT; a new, modifiable set on each call.
   */
  public static java.util.EnumSet<JvmFacility> networkServer() {
    return java.util.EnumSet.of(SECURITY, SECURE_RANDOM, NETWORK, ZIP, TIME_ZONES, LOGGING, TLS, MANAGEMENT);
  }

  private final String preparationName;

  JvmFacility(String preparationName) {
    this.preparationName = preparationName;
  }

  /** The name this facility's time has in {@link ConfinementReport#preparations()}, e.g. "net". */
  public String preparationName() {
    return preparationName;
  }
}
