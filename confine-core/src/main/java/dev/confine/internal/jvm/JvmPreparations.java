package dev.confine.internal.jvm;

import java.util.List;

/** The preparations confine knows, and the default set. */
public final class JvmPreparations {
  private JvmPreparations() {}

  /**
   * Opens every jar of the class path now. The application class loader opens a jar only when a
   * lookup first reaches it, and after chroot its path no longer exists; an opened jar keeps its
   * descriptor and stays readable. Looking up a resource that exists nowhere makes the loader
   * walk, and so open, every entry, manifest Class-Path entries included.
   */
  public static JvmPreparation classpathJars() {
    return new Named("classpath-jars", () -> ClassLoader.getSystemClassLoader().getResource("dev/confine/open-every-jar/" + System.nanoTime()));
  }

  /** Reads the time-zone database (lib/tzdb.dat), which the JVM loads lazily from a path. */
  public static JvmPreparation timeZones() {
    return new Named("timezones", () -> {
      java.util.TimeZone.getDefault();
      java.util.TimeZone.getTimeZone("GMT");
    });
  }

  public static List<JvmPreparation> defaults() {
    return List.of(classpathJars(), timeZones());
  }

  private interface Action {
    void run() throws Exception;
  }

  private static final class Named implements JvmPreparation {
    private final String name;
    private final Action action;

    Named(String name, Action action) {
      this.name = name;
      this.action = action;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public void prepare() throws Exception {
      action.run();
    }
  }
}
