package dev.confine.internal.jvm;

/**
 * One named thing done before chroot so that the JVM keeps working inside an empty jail: a
 * native library loaded, a data file read, a class initialised while its files are visible.
 * Cheap when already done: the JDK caches what it read, so a second run costs about a millisecond.
 */
public interface JvmPreparation {
  /** Its name in the report, stable: "net", "timezones", "classpath-jars", a hook's name. */
  String name();

  void prepare() throws Exception;
}
