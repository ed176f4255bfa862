package dev.confine.internal.jvm;

/**
 * One named thing done before chroot so that the JVM keeps working inside an empty jail: a
 * native library loaded, a data file read, a class initialised while its files are visible.
 */
public interface JvmPreparation {
  String name();

  void prepare() throws Exception;
}
